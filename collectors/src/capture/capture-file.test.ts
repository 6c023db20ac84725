import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { openCaptureFile } from './capture-file';
import { isSipwardError } from '../../../lib/src/errors';
import type { RawPacket } from '../packet';
import { PacketDecoder } from '../decode-packet';
import {
  ipv4,
  ipv4Fragments,
  ipv6,
  pcapngBytes,
  sll,
  udp,
  udpFrame,
  writePcap,
  ethernet,
  type TestPacket,
} from '../../../lib/src/test-support/capture';
import { tempDir } from '../../../lib/src/test-support/temp-dir';

const dir = tempDir();

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const wireshark = hasTool('editcap') && hasTool('mergecap') && hasTool('tshark');

async function readAll(path: string): Promise<RawPacket[]> {
  const r = await openCaptureFile(path);
  const out: RawPacket[] = [];
  for await (const b of r) for (const p of b) out.push({ ...p, data: Buffer.from(p.data) });
  return out;
}

const packets: TestPacket[] = Array.from({ length: 12 }, (_, i) => ({
  data:
    i % 3 === 0
      ? ethernet(0x86dd, ipv6({ protocol: 17, payload: udp(5060, 5060, Buffer.alloc(i, 65)) }), [{ vid: i }])
      : udpFrame(5000 + i),
  tsSec: 1764300000 + i,
  tsNsec: 100000001 * (i % 9) + 7,
}));

void test('dispatches on magic: pcap and pcapng', async () => {
  const a = writePcap(join(dir, 'a.pcap'), packets, { nano: true });
  writeFileSync(
    join(dir, 'a.pcapng'),
    pcapngBytes([
      {
        interfaces: [{ linkType: 1, tsresol: 9 }],
        blocks: packets.map((packet) => ({ kind: 'epb' as const, packet })),
      },
    ]),
  );
  const r1 = await openCaptureFile(a);
  assert.equal(r1.format, 'pcap');
  await r1.close();
  const x = await readAll(a);
  const y = await readAll(join(dir, 'a.pcapng'));
  assert.deepEqual(y, x);
  writeFileSync(join(dir, 'junk.bin'), 'GET / HTTP/1.1\r\n\r\n');
  await assert.rejects(openCaptureFile(join(dir, 'junk.bin')), { code: 'SIPWARD_NOT_A_CAPTURE' });
  await assert.rejects(openCaptureFile(join(dir, 'missing')), { code: 'SIPWARD_INPUT_NOT_FOUND' });
});

void test('cross-check with editcap / mergecap / tshark: identical packets and ns timestamps', async () => {
  assert.ok(wireshark, 'editcap, mergecap and tshark are required (apt-get install tshark; npm test installs it)');
  const src = writePcap(join(dir, 'src-ns.pcap'), packets, { nano: true, bigEndian: true });
  const want = await readAll(src);
  assert.equal(want.length, 12);
  const variants: [string, string[]][] = [
    ['ng.pcapng', ['-F', 'pcapng']],
    ['ns.pcap', ['-F', 'nsecpcap']],
  ];
  for (const [name, args] of variants) {
    execFileSync('editcap', [...args, src, join(dir, name)]);
    assert.deepEqual(await readAll(join(dir, name)), want, name);
  }
  // µs pcap through editcap: timestamps become µs, bytes identical
  execFileSync('editcap', ['-F', 'pcap', src, join(dir, 'us.pcap')]);
  const us = await readAll(join(dir, 'us.pcap'));
  assert.deepEqual(
    us.map((p) => [p.tsSec, p.tsNsec, p.data]),
    want.map((p) => [p.tsSec, Math.floor(p.tsNsec / 1000) * 1000, p.data]),
  );
  // tshark agrees on the nanosecond epoch times we read
  const epoch = execFileSync('tshark', ['-r', join(dir, 'ng.pcapng'), '-T', 'fields', '-e', 'frame.time_epoch'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  assert.deepEqual(
    epoch,
    want.map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`),
  );

  // mergecap: two link types in one pcapng → two IDBs
  const ip = ipv4({ protocol: 17, payload: udp(1, 5060, Buffer.from('sll')) });
  const sllFile = writePcap(join(dir, 'sll.pcap'), [{ data: sll(0x0800, ip), tsSec: 1764300005, tsNsec: 500000000 }], {
    linkType: 113,
  });
  execFileSync('mergecap', ['-F', 'pcapng', '-w', join(dir, 'merged.pcapng'), join(dir, 'us.pcap'), sllFile]);
  const merged = await readAll(join(dir, 'merged.pcapng'));
  assert.equal(merged.length, 13);
  assert.deepEqual([...new Set(merged.map((p) => `${p.interfaceId}:${p.linkType}`))].sort(), ['0:1', '1:113']);
  const d = new PacketDecoder();
  assert.equal(merged.filter((p) => d.decode(p) !== null).length, 13);
});

void test('tshark reassembles our fragments into the same datagram the decoder returns', async () => {
  assert.ok(wireshark, 'editcap, mergecap and tshark are required (apt-get install tshark; npm test installs it)');
  const body = Buffer.alloc(2000, 0x61);
  const frags = ipv4Fragments({ protocol: 17, id: 7, payload: udp(5060, 5060, body) }, 600).map((f, i) => ({
    data: ethernet(0x0800, f),
    tsSec: 1,
    tsNsec: i,
  }));
  const path = writePcap(join(dir, 'frag.pcap'), frags.reverse());
  const len = execFileSync('tshark', ['-r', path, '-Y', 'udp', '-T', 'fields', '-e', 'udp.length'], {
    encoding: 'utf8',
  }).trim();
  assert.equal(len, '2008');
  const d = new PacketDecoder();
  const segs = (await readAll(path)).map((p) => d.decode(p)).filter((s) => s !== null);
  assert.equal(segs.length, 1);
  assert.equal(segs[0]?.payload.length, 2000);
});

void test('property: random and mutated files never throw past open and always terminate', async () => {
  const valid = pcapngBytes([
    {
      interfaces: [{ linkType: 1, tsresol: 9 }, { linkType: 113 }],
      blocks: packets.slice(0, 4).map((packet) => ({ kind: 'epb' as const, packet })),
    },
  ]);
  const validPcap = Buffer.concat([
    Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]),
    Buffer.alloc(20),
    packets[0]?.data ?? Buffer.alloc(0),
  ]);
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        fc
          .tuple(
            fc.constantFrom(valid, validPcap),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
            fc.nat(),
          )
          .map(([base, muts, cut]) => {
            const b = Buffer.from(base);
            for (const [i, v] of muts) b[i % b.length] = v;
            return b.subarray(0, cut % (b.length + 1));
          }),
      ),
      fc.constantFrom(16, 64, 1024),
      async (bytes, chunkSize) => {
        const path = join(dir, `fuzz-${n++}.bin`);
        writeFileSync(path, bytes);
        let r;
        try {
          r = await openCaptureFile(path, { chunkSize });
        } catch (error) {
          assert.ok(isSipwardError(error) && error.code === 'SIPWARD_NOT_A_CAPTURE');
          return;
        }
        const d = new PacketDecoder();
        let batches = 0;
        for await (const batch of r) {
          for (const p of batch) d.decode(p);
          assert.ok(++batches < 10000);
        }
      },
    ),
    { numRuns: 400 },
  );
});
