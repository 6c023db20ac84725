import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { L4Segment } from '../packet';
import { parseSctpChunks, SctpSipExtractor } from './sctp';
import type { StreamMessage } from './tcp-reassembler';
import { sipRequest, SDP } from './test-segments';
import { sctpChunk, sctpData } from '../../../lib/src/test-support/capture';

function seg(chunks: Buffer[], t = 1000): L4Segment {
  return {
    tsSec: Math.floor(t / 1000),
    tsNsec: (t % 1000) * 1e6,
    interfaceId: 0,
    ipVersion: 6,
    srcIp: '2001:db8::1',
    dstIp: '2001:db8::2',
    protocol: 'sctp',
    srcPort: 5060,
    dstPort: 5060,
    vlan: [],
    tunnel: [],
    payload: Buffer.concat(chunks),
  };
}

function setup(): { x: SctpSipExtractor; out: StreamMessage[] } {
  const out: StreamMessage[] = [];
  return { x: new SctpSipExtractor((m) => out.push(m)), out };
}

const BE = 0x03;
const a = sipRequest(1, SDP);
const b = sipRequest(2);

void describe('SCTP', () => {
  void it('walks padded chunks', () => {
    const { chunks, bad } = parseSctpChunks(
      Buffer.concat([sctpChunk(3, 0, Buffer.alloc(5)), sctpChunk(0, 3, Buffer.alloc(13))]),
    );
    assert.equal(bad, false);
    assert.deepEqual(
      chunks.map((c) => [c.type, c.valueOffset, c.valueLength]),
      [
        [3, 4, 5],
        [0, 16, 13],
      ],
    );
  });

  void it('emits each unfragmented DATA chunk as one SIP message, skipping SACKs', () => {
    const { x, out } = setup();
    x.push(seg([sctpChunk(3, 0, Buffer.alloc(12)), sctpData(10, BE, a), sctpData(11, BE, b)]));
    assert.deepEqual(
      out.map((m) => m.data.toString()),
      [a, b],
    );
    assert.equal(out[0]?.transport, 'sctp');
    assert.equal(out[0]?.srcIp, '2001:db8::1');
    assert.equal(x.counters.dataChunks, 2);
  });

  void it('drops retransmitted TSNs and non-SIP payloads', () => {
    const { x, out } = setup();
    x.push(seg([sctpData(10, BE, a)]));
    x.push(seg([sctpData(10, BE, a)]));
    x.push(seg([sctpData(11, BE, Buffer.from([1, 0, 0, 20, 0x80]), 46)]));
    assert.equal(out.length, 1);
    assert.equal(x.counters.duplicateTsn, 1);
    assert.equal(x.counters.nonSipMessages, 1);
  });

  void it('reassembles fragmented DATA by TSN, in any order and across 2^32', () => {
    const { x, out } = setup();
    const p = Buffer.from(a);
    const t0 = 0xfffffffe;
    x.push(seg([sctpData(t0 + 2, 0x01, p.subarray(80))]));
    x.push(seg([sctpData(t0, 0x02, p.subarray(0, 40))]));
    assert.equal(out.length, 0);
    x.push(seg([sctpData((t0 + 1) >>> 0, 0x00, p.subarray(40, 80))], 2000));
    assert.deepEqual(
      out.map((m) => m.data.toString()),
      [a],
    );
    assert.equal(out[0]?.tsSec, 2);
    assert.equal(x.counters.reassembledMessages, 1);
  });

  void it('counts bad chunk lengths and I-DATA fragments, emits unfragmented I-DATA', () => {
    const { x, out } = setup();
    const broken = sctpChunk(0, BE, Buffer.alloc(20));
    broken.writeUInt16BE(400, 2);
    x.push(seg([sctpData(1, BE, a), broken]));
    assert.equal(x.counters.sctp_bad_chunk, 1);
    const idata = (tsn: number, flags: number, p: string): Buffer => {
      const v = Buffer.alloc(16 + p.length);
      v.writeUInt32BE(tsn, 0);
      Buffer.from(p).copy(v, 16);
      return sctpChunk(64, flags, v);
    };
    x.push(seg([idata(7, BE, b), idata(8, 0x02, 'INVITE sip:x')]));
    assert.deepEqual(
      out.map((m) => m.data.toString()),
      [a, b],
    );
    assert.equal(x.counters.idataChunks, 2);
    assert.equal(x.counters.sctp_fragment_dropped, 1);
    x.push(seg([sctpChunk(0, BE, Buffer.alloc(12))]));
    assert.equal(x.counters.sctp_bad_chunk, 2);
  });

  void it('never throws on random bytes', () => {
    const { x } = setup();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (u) => {
        x.push(seg([Buffer.from(u)]));
      }),
      { numRuns: 2000 },
    );
  });
});
