import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapngFileReader } from './pcapng-file';
import { toSecNsec, tsResolution } from './pcapng-timestamp';
import type { CaptureFileOptions, CaptureWarning } from './capture-stats';
import type { RawPacket } from '../packet';
import {
  ethernet,
  ipv4,
  pcapngBytes,
  sll2,
  udp,
  udpFrame,
  writePcapng,
  type PcapngSection,
  type TestPacket,
} from '../../../lib/src/test-support/capture';
import { tempDir } from '../../../lib/src/test-support/temp-dir';

const dir = tempDir();

async function readAll(
  path: string,
  opts: CaptureFileOptions = {},
): Promise<{ pkts: RawPacket[]; warnings: CaptureWarning[]; r: PcapngFileReader }> {
  const warnings: CaptureWarning[] = [];
  const r = await PcapngFileReader.open(path, { ...opts, onWarning: (w) => warnings.push(w) });
  const pkts: RawPacket[] = [];
  for await (const batch of r) for (const p of batch) pkts.push({ ...p, data: Buffer.from(p.data) });
  return { pkts, warnings, r };
}

const pk = (i: number, interfaceId = 0): TestPacket => ({
  data: udpFrame(6000 + i, 5060, Buffer.alloc(i * 5, i)),
  tsSec: 1764300000 + i,
  tsNsec: 987654321 - i,
  interfaceId,
});

void test('timestamp conversion is exact for decimal, ns, binary and large resolutions', () => {
  const out = { sec: 0, nsec: 0 };
  const check = (resByte: number, sec: bigint, frac: bigint, wantNsec: number): void => {
    const res = tsResolution(resByte);
    const n = resByte & 0x7f;
    const ups = (resByte & 0x80) === 0 ? 10n ** BigInt(n) : 1n << BigInt(n);
    const units = sec * ups + frac;
    toSecNsec(Number(units >> 32n), Number(units & 0xffffffffn), res, out);
    assert.deepEqual(out, { sec: Number(sec), nsec: wantNsec }, `res ${resByte}`);
  };
  check(6, 1764300000n, 999999n, 999999000);
  check(9, 1764300000n, 999999999n, 999999999);
  check(9, 4000000000n, 1n, 1);
  check(3, 1764300000n, 7n, 7000000);
  check(0, 1764300000n, 0n, 0);
  check(0x80 | 20, 1764300000n, 1n << 19n, 500000000);
  check(0x80 | 30, 1764300000n, 1n, 0); // 0.93 ns floors to 0
  check(12, 1764300n, 123456789012n, 123456789);
  for (let i = 0; i < 2000; i++) {
    const s = BigInt(Math.floor(Math.random() * 4e9));
    const f = BigInt(Math.floor(Math.random() * 1e9));
    check(9, s, f, Number(f));
  }
});

void test('EPB, SPB, OPB across interfaces with different link types, resolutions, offsets and names', async () => {
  const ip = ipv4({ protocol: 17, payload: udp(1, 5060, Buffer.from('x')) });
  const sections: PcapngSection[] = [
    {
      interfaces: [
        { linkType: 1, name: 'eth0', snaplen: 65535 },
        { linkType: 276, name: 'any', tsresol: 9 },
        { linkType: 101, tsresol: 0x80 | 10, tsoffset: 1000 },
      ],
      blocks: [
        { kind: 'epb', packet: pk(1, 0) },
        { kind: 'unknown', type: 0x00000bad, body: Buffer.alloc(10, 1) },
        { kind: 'epb', packet: { data: sll2(0x0800, ip), tsSec: 1764300000, tsNsec: 1, interfaceId: 1 } },
        { kind: 'opb', packet: { data: ip, tsSec: 1764300002, tsNsec: 0, interfaceId: 2 } },
        { kind: 'spb', data: pk(3).data },
        { kind: 'unknown', type: 4, body: Buffer.alloc(20) }, // NRB
      ],
    },
  ];
  const path = writePcapng(join(dir, 'multi.pcapng'), sections);
  const { pkts, warnings, r } = await readAll(path);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    pkts.map((p) => [p.linkType, p.interfaceId, p.interfaceName, p.tsSec, p.tsNsec]),
    [
      [1, 0, 'eth0', 1764300001, 987654000],
      [276, 1, 'any', 1764300000, 1],
      [101, 2, undefined, 1764300002, 0],
      [1, 0, 'eth0', 1764300002, 0], // SPB: last timestamp seen
    ],
  );
  assert.deepEqual(pkts[0]?.data, pk(1).data);
  assert.equal(r.stats.skippedBlocks, 2);
});

void test('several sections, both byte orders; a new section resets interfaces', async () => {
  const sections: PcapngSection[] = [
    { interfaces: [{ linkType: 1, tsresol: 9 }], blocks: [1, 2].map((i) => ({ kind: 'epb' as const, packet: pk(i) })) },
    {
      bigEndian: true,
      interfaces: [{ linkType: 101 }, { linkType: 1, tsresol: 9 }],
      blocks: [3, 4].map((i) => ({ kind: 'epb' as const, packet: pk(i, 1) })),
    },
    { interfaces: [{ linkType: 1, tsresol: 9 }], blocks: [{ kind: 'epb', packet: pk(5) }] },
  ];
  const path = writePcapng(join(dir, 'sections.pcapng'), sections);
  const whole = (await readAll(path)).pkts;
  assert.deepEqual(
    whole.map((p) => [p.interfaceId, p.tsNsec]),
    [1, 2, 3, 4, 5].map((i) => [i === 3 || i === 4 ? 1 : 0, 987654321 - i]),
  );
  for (const chunkSize of [16, 28, 33, 77, 200])
    assert.deepEqual((await readAll(path, { chunkSize })).pkts, whole, `chunk ${chunkSize}`);
});

void test('truncated file, corrupt block length, trailer mismatch, unknown interface, absurd caplen', async () => {
  const sec: PcapngSection[] = [
    { interfaces: [{ linkType: 1 }], blocks: [1, 2, 3].map((i) => ({ kind: 'epb' as const, packet: pk(i) })) },
  ];
  const full = pcapngBytes(sec);
  writeFileSync(join(dir, 'trunc.pcapng'), full.subarray(0, full.length - 6));
  let r = await readAll(join(dir, 'trunc.pcapng'), { chunkSize: 40 });
  assert.deepEqual(
    [r.pkts.length, r.warnings.map((w) => w.code), r.r.stats.truncatedRecords],
    [2, ['truncated_record'], 1],
  );

  const shbLen = full.readUInt32LE(4);
  const idbLen = full.readUInt32LE(shbLen + 4);
  const epb1 = shbLen + idbLen;
  for (const [name, mutate, code, count] of [
    ['badlen', (b: Buffer) => b.writeUInt32LE(13, epb1 + 4), 'bad_block_length', 0],
    ['hugelen', (b: Buffer) => b.writeUInt32LE(0x7ffffff0, epb1 + 4), 'bad_block_length', 0],
    ['trailer', (b: Buffer) => b.writeUInt32LE(999, epb1 + b.readUInt32LE(epb1 + 4) - 4), 'bad_block_length', 0],
    ['ifid', (b: Buffer) => b.writeUInt32LE(7, epb1 + 8), 'unknown_interface', 2],
    ['absurd', (b: Buffer) => b.writeUInt32LE(300000, epb1 + 20), 'absurd_caplen', 2],
    ['overrun', (b: Buffer) => b.writeUInt32LE(2000, epb1 + 20), 'bad_block', 2],
  ] as const) {
    const b = Buffer.from(full);
    mutate(b);
    writeFileSync(join(dir, `${name}.pcapng`), b);
    r = await readAll(join(dir, `${name}.pcapng`));
    assert.deepEqual([r.pkts.length, r.warnings.map((w) => w.code)], [count, [code]], name);
  }
});

void test('not a pcapng: bad byte-order magic, short file', async () => {
  const full = pcapngBytes([{ interfaces: [], blocks: [] }]);
  const b = Buffer.from(full);
  b.writeUInt32LE(0x11111111, 8);
  writeFileSync(join(dir, 'bom.pcapng'), b);
  await assert.rejects(PcapngFileReader.open(join(dir, 'bom.pcapng')), { code: 'SIPWARD_NOT_A_CAPTURE' });
  writeFileSync(join(dir, 'short.pcapng'), full.subarray(0, 12));
  await assert.rejects(PcapngFileReader.open(join(dir, 'short.pcapng')), { code: 'SIPWARD_NOT_A_CAPTURE' });
  writeFileSync(join(dir, 'only.pcapng'), full);
  assert.deepEqual((await readAll(join(dir, 'only.pcapng'))).pkts, []);
});

void test('Ethernet frames with VLAN tags survive the round trip byte for byte', async () => {
  const data = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2, Buffer.alloc(3)) }), [{ vid: 9 }]);
  const path = writePcapng(join(dir, 'vlan.pcapng'), [
    {
      bigEndian: true,
      interfaces: [{ linkType: 1 }],
      blocks: [{ kind: 'epb', packet: { data, tsSec: 5, tsNsec: 6000 } }],
    },
  ]);
  const { pkts } = await readAll(path);
  assert.deepEqual(pkts[0]?.data, data);
});
