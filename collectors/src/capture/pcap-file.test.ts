import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapFileReader } from './pcap-file';
import type { CaptureFileOptions, CaptureWarning } from './capture-stats';
import type { RawPacket } from '../packet';
import { pcapBytes, udpFrame, writePcap, type TestPacket } from '../../../lib/src/test-support/capture';
import { tempDir } from '../../../lib/src/test-support/temp-dir';

const dir = tempDir();
const packets: TestPacket[] = Array.from({ length: 25 }, (_, i) => ({
  data: udpFrame(5060 + i, 5060, Buffer.alloc(i * 7, i)),
  tsSec: 1700000000 + i,
  tsNsec: 123456789 + i,
}));

async function readAll(
  path: string,
  opts: CaptureFileOptions = {},
): Promise<{ pkts: RawPacket[]; warnings: CaptureWarning[]; r: PcapFileReader }> {
  const warnings: CaptureWarning[] = [];
  const r = await PcapFileReader.open(path, { ...opts, onWarning: (w) => warnings.push(w) });
  const pkts: RawPacket[] = [];
  for await (const batch of r) for (const p of batch) pkts.push({ ...p, data: Buffer.from(p.data) });
  return { pkts, warnings, r };
}

void test('µs and ns, little and big endian: same packets; ns precision kept exactly', async () => {
  for (const nano of [false, true]) {
    for (const bigEndian of [false, true]) {
      const path = writePcap(join(dir, `v-${nano}-${bigEndian}.pcap`), packets, { nano, bigEndian, linkType: 1 });
      const { pkts, r, warnings } = await readAll(path);
      assert.equal(pkts.length, 25);
      assert.deepEqual(warnings, []);
      assert.deepEqual([r.nanosecond, r.littleEndian, r.linkType], [nano, !bigEndian, 1]);
      pkts.forEach((p, i) => {
        const want = packets[i] as TestPacket;
        assert.equal(p.tsSec, want.tsSec);
        assert.equal(p.tsNsec, nano ? want.tsNsec : Math.floor(want.tsNsec / 1000) * 1000);
        assert.deepEqual(p.data, want.data);
        assert.equal(p.interfaceId, 0);
      });
      assert.equal(r.stats.packets, 25);
      assert.equal(
        r.stats.bytes,
        packets.reduce((n, p) => n + p.data.length, 0),
      );
    }
  }
});

void test('records cut by chunk boundaries, at every tiny chunk size', async () => {
  const path = writePcap(join(dir, 'chunks.pcap'), packets, { nano: true });
  const whole = (await readAll(path)).pkts;
  for (const chunkSize of [16, 17, 23, 64, 100, 333]) {
    const { pkts } = await readAll(path, { chunkSize });
    assert.deepEqual(pkts, whole, `chunk ${chunkSize}`);
  }
});

void test('truncated last record and truncated record header stop cleanly with a warning', async () => {
  const full = pcapBytes(packets);
  for (const cut of [full.length - 5, full.length - (packets[24] as TestPacket).data.length - 8]) {
    const path = join(dir, `trunc-${cut}.pcap`);
    writeFileSync(path, full.subarray(0, cut));
    const { pkts, warnings, r } = await readAll(path, { chunkSize: 50 });
    assert.equal(pkts.length, 24);
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['truncated_record'],
    );
    assert.equal(r.stats.truncatedRecords, 1);
  }
});

void test('absurd caplen stops; caplen over snaplen is counted and delivered', async () => {
  const full = pcapBytes(packets.slice(0, 3));
  const bad = Buffer.from(full);
  const second = 24 + 16 + (packets[0] as TestPacket).data.length;
  bad.writeUInt32LE(0x7fffffff, second + 8);
  writeFileSync(join(dir, 'absurd.pcap'), bad);
  const a = await readAll(join(dir, 'absurd.pcap'));
  assert.equal(a.pkts.length, 1);
  assert.deepEqual(
    a.warnings.map((w) => w.code),
    ['absurd_caplen'],
  );
  assert.equal(a.r.stats.badRecords, 1);
  const snap = writePcap(join(dir, 'snap.pcap'), packets.slice(0, 3), { snaplen: 40 });
  const s = await readAll(snap);
  assert.equal(s.pkts.length, 3);
  assert.equal(s.r.stats.oversizedRecords, 3);
  assert.deepEqual(
    s.warnings.map((w) => w.code),
    ['caplen_over_snaplen'],
  );
});

void test('not a capture, empty file, short header, missing file', async () => {
  const cases: [string, Buffer][] = [
    ['text.pcap', Buffer.from('hello, this is not a capture file at all\n')],
    ['empty.pcap', Buffer.alloc(0)],
    ['short.pcap', pcapBytes([]).subarray(0, 20)],
  ];
  for (const [name, bytes] of cases) {
    writeFileSync(join(dir, name), bytes);
    await assert.rejects(PcapFileReader.open(join(dir, name)), { name: 'SipwardError', code: 'SIPWARD_NOT_A_CAPTURE' });
  }
  await assert.rejects(PcapFileReader.open(join(dir, 'nope.pcap')), { code: 'SIPWARD_INPUT_NOT_FOUND' });
  await assert.rejects(PcapFileReader.open(dir), { code: 'SIPWARD_INPUT_UNREADABLE' });
});

void test('breaking out of the loop early closes the file', async () => {
  const path = writePcap(join(dir, 'early.pcap'), packets);
  const r = await PcapFileReader.open(path, { chunkSize: 64 });
  let n = 0;
  for await (const batch of r) {
    n += batch.length;
    break;
  }
  assert.ok(n > 0 && n < 25);
});
