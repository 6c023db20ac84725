import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHep, hepPacketLength, HepStreamFramer, HEP_DROP_REASONS } from './hep-packet';
import { encodeHep, hepChunk, type HepSpec } from '../test-support/hep';

const INVITE = Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a@b\r\nContent-Length: 0\r\n\r\n');
const SPEC: HepSpec = {
  srcIp: '192.0.2.10',
  dstIp: '198.51.100.20',
  srcPort: 5062,
  dstPort: 5060,
  tsSec: 1_790_000_000,
  tsUsec: 123_456,
  ipProtocol: 6,
  nodeId: 2001,
  nodeName: 'sbc-1',
  authKey: 'secret',
  correlationId: 'leg-a@sbc',
  vlan: 42,
  payload: INVITE,
};

void test('HEP v3 chunks decode to addresses, ports, time, node, key, correlation id and payload', () => {
  const r = decodeHep(encodeHep(SPEC));
  assert.ok(r.ok);
  // Every field of the spec comes back, plus what the encoder defaulted (IPv4 family, SIP).
  assert.deepEqual(r.message, { ...SPEC, ipVersion: 4, protocolType: 1 });
});

void test('IPv6 addresses, gzip payloads and vendor chunks', () => {
  const r = decodeHep(
    encodeHep({
      ...SPEC,
      srcIp: '2001:db8::1',
      dstIp: 'fd77::21',
      compress: true,
      extra: [
        [0x0003, 0x0001, Buffer.from('vendor data')],
        [0, 0x0099, Buffer.from('unknown generic type')],
      ],
    }),
  );
  assert.ok(r.ok);
  assert.equal(r.message.ipVersion, 6);
  assert.equal(r.message.srcIp, '2001:db8::1');
  assert.equal(r.message.dstIp, 'fd77::21');
  assert.deepEqual(r.message.payload, INVITE);
});

void test('each kind of malformed packet has its own drop reason', () => {
  const good = encodeHep(SPEC);
  const withLength = (buf: Buffer, length: number): Buffer => {
    const copy = Buffer.from(buf);
    copy.writeUInt16BE(length, 4);
    return copy;
  };
  const cases: Array<[string, Buffer, string]> = [
    ['HEP v2', Buffer.concat([Buffer.from([2, 16, 2, 17]), good.subarray(4)]), 'not_hep3'],
    ['SIP, not HEP', INVITE, 'not_hep3'],
    ['too short', Buffer.from('HEP3'), 'bad_length'],
    ['length past the end', withLength(good, good.length + 1), 'bad_length'],
    ['length below the header', withLength(good, 3), 'bad_length'],
    ['cut inside a chunk', withLength(good.subarray(0, good.length - 5), good.length - 5), 'bad_chunk'],
    ['a 3-byte port chunk', hepWith([[0, 0x07, Buffer.from([1, 2, 3])]]), 'bad_chunk'],
    ['a zero-length chunk header', hepRaw(Buffer.from([0, 0, 0, 7, 0, 0])), 'bad_chunk'],
    ['no addresses', hepRaw(hepChunk(0, 0x0f, INVITE)), 'missing_fields'],
    ['empty payload', encodeHep({ ...SPEC, payload: Buffer.alloc(0) }), 'bad_payload'],
    ['RTCP', encodeHep({ ...SPEC, protocolType: 5 }), 'not_sip'],
  ];
  for (const [name, buf, reason] of cases) {
    const r = decodeHep(buf);
    assert.ok(!r.ok, name);
    assert.equal(r.reason, reason, name);
  }
});

void test('stream framing: the length from the header, more bytes needed, or out of sync', () => {
  const good = encodeHep(SPEC);
  assert.equal(hepPacketLength(good, 0), good.length);
  assert.equal(hepPacketLength(good.subarray(0, 5), 0), 'need_more');
  assert.equal(hepPacketLength(Buffer.from('HE'), 0), 'need_more');
  assert.equal(hepPacketLength(Buffer.from('HX'), 0), 'not_hep3');
  assert.equal(hepPacketLength(Buffer.concat([INVITE, good]), 0), 'not_hep3');
  assert.equal(hepPacketLength(Buffer.concat([INVITE, good]), INVITE.length), good.length);
});

void test('property: any bytes, and any corruption of a valid packet, decode or drop with a known reason', () => {
  const good = encodeHep(SPEC);
  const known = new Set<string>(HEP_DROP_REASONS);
  const check = (buf: Buffer): void => {
    const r = decodeHep(buf);
    if (!r.ok) assert.ok(known.has(r.reason), r.reason);
    else assert.ok(r.message.payload.length > 0 && r.message.srcPort <= 65535);
  };
  const runs = process.env.SIPWARD_LONG_TESTS === '1' ? 200_000 : 5_000;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(Buffer.concat([Buffer.from('HEP3'), bytes]))),
    { numRuns: runs },
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(good.length),
      (flips, cut) => {
        const copy = Buffer.from(good);
        for (const [at, value] of flips) copy[at] = value;
        check(copy.subarray(0, cut));
        check(copy);
      },
    ),
    { numRuns: runs },
  );
});

function hepRaw(chunks: Buffer): Buffer {
  const header = Buffer.from('HEP3\0\0', 'latin1');
  header.writeUInt16BE(chunks.length + 6, 4);
  return Buffer.concat([header, chunks]);
}

function hepWith(extra: Array<[number, number, Buffer]>): Buffer {
  return hepRaw(Buffer.concat(extra.map(([v, t, b]) => hepChunk(v, t, b))));
}

void test('property: a TCP stream of HEP packets, cut anywhere, frames back into the same packets', () => {
  const runs = process.env.SIPWARD_LONG_TESTS === '1' ? 20_000 : 500;
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 30 }),
      (payloadSizes, cuts) => {
        const packets = payloadSizes.map((n, i) => encodeHep({ ...SPEC, tsUsec: i, payload: Buffer.alloc(n, 0x41) }));
        const stream = Buffer.concat(packets);
        const framer = new HepStreamFramer();
        const out: Buffer[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          const got = framer.push(stream.subarray(at, at + size));
          assert.notEqual(got, 'out_of_sync');
          if (got !== 'out_of_sync') out.push(...got);
          at += size;
        }
        assert.deepEqual(out, packets);
        assert.equal(framer.buffered, 0);
      },
    ),
    { numRuns: runs },
  );
});

void test('a stream that stops being HEP v3 is out of sync, even after good packets', () => {
  const framer = new HepStreamFramer();
  const good = encodeHep(SPEC);
  const first = framer.push(Buffer.concat([good, good.subarray(0, 10)]));
  assert.ok(first !== 'out_of_sync' && first.length === 1);
  assert.deepEqual(framer.push(good.subarray(10)), [good]);
  assert.equal(framer.push(Buffer.from('INVITE sip:x SIP/2.0\r\n')), 'out_of_sync');
});
