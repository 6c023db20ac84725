import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TcpReassembler } from './tcp-reassembler';
import type { StreamMessage, TcpReassemblerOptions } from './tcp-reassembler';
import { ACK, FIN_ACK, RST, SDP, SYN, sipRequest, sipResponse, tcpSeg } from './test-segments';

function setup(options: Partial<TcpReassemblerOptions> = {}): { r: TcpReassembler; out: StreamMessage[] } {
  const out: StreamMessage[] = [];
  const r = new TcpReassembler((m) => out.push(m), options);
  return { r, out };
}

const texts = (out: StreamMessage[]): string[] => out.map((m) => m.data.toString('latin1'));

/** SYN at isn, then the payload cut at the given sizes, in order. */
function pushInOrder(r: TcpReassembler, isn: number, payload: string, sizes: number[], t0 = 1000): void {
  r.push(tcpSeg({ seq: isn, flags: SYN, t: t0 }));
  let off = 0;
  let t = t0;
  for (const n of sizes) {
    r.push(tcpSeg({ seq: isn + 1 + off, payload: payload.slice(off, off + n), t: ++t }));
    off += n;
  }
}

void describe('TcpReassembler in order', () => {
  void it('emits each message of an in-order stream with flow metadata', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    const b = sipResponse(1);
    pushInOrder(r, 1000, a + b, [a.length, b.length]);
    assert.deepEqual(texts(out), [a, b]);
    const m = out[0] as StreamMessage;
    assert.equal(m.srcIp, '10.0.0.1');
    assert.equal(m.dstPort, 5060);
    assert.equal(m.transport, 'tcp');
    assert.equal(m.flowKey, '10.0.0.1|40000|10.0.0.2|5060');
    assert.equal(m.missingContentLength, false);
    assert.deepEqual(m.anomalies, []);
    assert.equal(r.bufferedBytes, 0);
  });

  void it('cuts several messages out of one segment', () => {
    const { r, out } = setup();
    const all = [sipRequest(1), sipResponse(1), sipRequest(2, SDP), sipResponse(2)];
    pushInOrder(r, 5, '\r\n\r\n' + all.join('\r\n'), [10_000]);
    assert.deepEqual(texts(out), all);
  });

  void it('assembles one message from one-byte segments; its time is the last segment', () => {
    const { r, out } = setup();
    const a = sipRequest(7, SDP);
    pushInOrder(r, 77, a, Array<number>(a.length).fill(1), 5000);
    assert.deepEqual(texts(out), [a]);
    const m = out[0] as StreamMessage;
    const lastMs = 5000 + a.length;
    assert.equal(m.tsSec * 1000 + m.tsNsec / 1e6, lastMs);
  });

  void it('picks up mid-stream without a SYN and resyncs on the next start line', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    const b = sipRequest(2);
    const stream = a.slice(30) + b;
    r.push(tcpSeg({ seq: 999, payload: stream }));
    assert.deepEqual(texts(out), [b]);
    assert.equal(r.counters.midstreamPickups, 1);
    assert.equal(r.counters.stream_not_sip, 0);
  });

  void it('skips CRLF keep-alives and a mid-stream start inside a request line', () => {
    const { r, out } = setup();
    const a = sipRequest(1);
    const b = sipResponse(1);
    r.push(tcpSeg({ seq: 10, payload: a.slice(2) + '\r\n\r\n' + b + '\r\n' }));
    r.push(tcpSeg({ seq: 10 + a.length - 2 + 4 + b.length + 2, payload: '\r\n' + a }));
    assert.deepEqual(texts(out), [b, a]);
  });

  void it('cuts a message without Content-Length after its headers and flags it', () => {
    const { r, out } = setup();
    const noCl = 'OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: 1\r\n\r\n';
    const b = sipResponse(3);
    pushInOrder(r, 1, noCl + b, [noCl.length + b.length]);
    assert.deepEqual(texts(out), [noCl, b]);
    assert.equal(out[0]?.missingContentLength, true);
    assert.deepEqual(out[0]?.anomalies, ['missing_content_length']);
    assert.equal(out[1]?.missingContentLength, false);
    assert.equal(r.counters.missing_content_length, 1);
  });

  void it('accepts compact and oddly cased Content-Length and LF-only line ends', () => {
    const { r, out } = setup();
    const a = 'MESSAGE sip:a@b SIP/2.0\nCONTENT-length :  5\n\nhello';
    const b = 'MESSAGE sip:a@b SIP/2.0\r\nL: 2\r\n\r\nhi';
    pushInOrder(r, 1, a + b, [3, 40, 100]);
    assert.deepEqual(texts(out), [a, b]);
  });
});

void describe('TcpReassembler reordering', () => {
  void it('holds out-of-order segments and delivers when the hole fills', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    r.push(tcpSeg({ seq: 100, flags: SYN }));
    r.push(tcpSeg({ seq: 101 + 50, payload: a.slice(50), t: 1001 }));
    r.push(tcpSeg({ seq: 101 + 20, payload: a.slice(20, 50), t: 1002 }));
    assert.equal(out.length, 0);
    r.push(tcpSeg({ seq: 101, payload: a.slice(0, 20), t: 1003 }));
    assert.deepEqual(texts(out), [a]);
    assert.equal(r.counters.outOfOrderSegments, 2);
    // The message was complete at 1003 but its newest segment (by capture time) is 1003 too.
    assert.equal(out[0]?.tsNsec, 3_000_000);
  });

  void it('uses the newest capture time when a late segment completes a message', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    r.push(tcpSeg({ seq: 0, flags: SYN, t: 1000 }));
    r.push(tcpSeg({ seq: 1 + 40, payload: a.slice(40), t: 1009 }));
    r.push(tcpSeg({ seq: 1, payload: a.slice(0, 40), t: 1005 }));
    assert.deepEqual(texts(out), [a]);
    assert.equal(out[0]?.tsNsec, 9_000_000);
  });

  void it('drops full retransmissions and trims partial overlaps', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    const b = sipRequest(2);
    const s = a + b;
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: s.slice(0, 60) }));
    r.push(tcpSeg({ seq: 1, payload: s.slice(0, 60) }));
    r.push(tcpSeg({ seq: 1 + 30, payload: s.slice(30, 120) }));
    r.push(tcpSeg({ seq: 1 + 100, payload: s.slice(100) }));
    r.push(tcpSeg({ seq: 1 + 100, payload: s.slice(100) }));
    assert.deepEqual(texts(out), [a, b]);
    assert.equal(r.counters.retransmittedSegments, 2);
    assert.ok(r.counters.overlapTrimmedBytes >= 30 + 20);
    assert.equal(r.counters.tcp_overlap_conflict, 0);
  });

  void it('keeps the first copy of conflicting overlapping bytes and counts it', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1 + 100, payload: a.slice(100) }));
    const forged = 'X'.repeat(a.length - 120);
    r.push(tcpSeg({ seq: 1 + 120, payload: forged }));
    r.push(tcpSeg({ seq: 1, payload: a.slice(0, 100) }));
    assert.deepEqual(texts(out), [a]);
    assert.equal(r.counters.tcp_overlap_conflict, 1);
    assert.deepEqual(out[0]?.anomalies, ['tcp_overlap_conflict']);
  });

  void it('detects a conflicting retransmission of bytes still pending', () => {
    const { r } = setup();
    const a = sipRequest(1, SDP);
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: a.slice(0, 80) }));
    r.push(tcpSeg({ seq: 1, payload: 'Y'.repeat(80) }));
    assert.equal(r.counters.tcp_overlap_conflict, 1);
  });

  void it('ignores TCP keep-alive probes (one garbage byte just below the next sequence number)', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: a.slice(0, 80) }));
    r.push(tcpSeg({ seq: 80, payload: Buffer.from([0]) }));
    r.push(tcpSeg({ seq: 81, payload: a.slice(80) }));
    assert.deepEqual(texts(out), [a]);
    assert.equal(r.counters.tcp_overlap_conflict, 0);
  });

  void it('follows sequence numbers across 2^32 in order and out of order', () => {
    const { r, out } = setup();
    const a = sipRequest(1, SDP);
    const b = sipRequest(2);
    const isn = 0xffffffff - 40;
    r.push(tcpSeg({ seq: isn, flags: SYN }));
    const s = a + b;
    const base = isn + 1;
    r.push(tcpSeg({ seq: base + 100, payload: s.slice(100) }));
    r.push(tcpSeg({ seq: base + 20, payload: s.slice(20, 100) }));
    r.push(tcpSeg({ seq: base, payload: s.slice(0, 20) }));
    r.push(tcpSeg({ seq: base + 20, payload: s.slice(20, 100) }));
    assert.deepEqual(texts(out), [a, b]);
    assert.equal(r.counters.retransmittedSegments, 1);
  });
});

void describe('TcpReassembler gaps', () => {
  const a = sipRequest(1, SDP);
  const b = sipRequest(2, SDP);
  const c = sipRequest(3);
  const s = a + b + c;
  const lostFrom = a.length + 30;
  const lostTo = a.length + 90;

  function lose(r: TcpReassembler): void {
    r.push(tcpSeg({ seq: 0, flags: SYN, t: 1000 }));
    r.push(tcpSeg({ seq: 1, payload: s.slice(0, lostFrom), t: 1001 }));
    r.push(tcpSeg({ seq: 1 + lostTo, payload: s.slice(lostTo), t: 1002 }));
  }

  void it('skips a hole after the hold timeout and resyncs on the next start line', () => {
    const { r, out } = setup();
    lose(r);
    assert.deepEqual(texts(out), [a]);
    r.advanceTime(1, 500_000_000);
    assert.deepEqual(texts(out), [a]);
    r.advanceTime(2, 200_000_000);
    assert.deepEqual(texts(out), [a, c]);
    assert.equal(r.counters.tcp_gap, 1);
    assert.ok((out[1]?.anomalies ?? []).includes('tcp_gap'));
  });

  void it('skips a hole once the receiver ACKs past it', () => {
    const { r, out } = setup({ ackGraceMs: 0 });
    lose(r);
    r.push(tcpSeg({ seq: 1, reverse: true, flags: ACK, ack: 1 + s.length, t: 1003 }));
    assert.deepEqual(texts(out), [a, c]);
    assert.equal(r.counters.tcp_gap, 1);
  });

  void it('skips a hole when held data passes its bound', () => {
    const { r, out } = setup({ maxHeldSegments: 2 });
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: s.slice(0, lostFrom) }));
    let off = lostTo;
    while (off < s.length) {
      r.push(tcpSeg({ seq: 1 + off, payload: s.slice(off, off + 20) }));
      off += 20;
    }
    assert.deepEqual(texts(out), [a, c]);
    assert.equal(r.counters.tcp_gap, 1);
  });

  void it('flushes held data past a hole on FIN and emits a truncated tail', () => {
    const { r, out } = setup();
    const partial = sipRequest(9, SDP).slice(0, -10);
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: a.slice(0, 10) }));
    r.push(tcpSeg({ seq: 1 + a.length, payload: c + partial, flags: FIN_ACK }));
    // The hole may still fill after the FIN: wait for the hold timeout.
    assert.equal(out.length, 0);
    r.advanceTime(3, 0);
    assert.deepEqual(texts(out), [c, partial]);
    assert.ok(out[1]?.anomalies.includes('stream_truncated'));
    assert.equal(r.counters.flowsClosed, 1);
    // Late retransmissions after the close create nothing new.
    r.push(tcpSeg({ seq: 1, payload: a }));
    assert.equal(out.length, 2);
  });

  void it('RST closes both directions', () => {
    const { r, out } = setup();
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: a.slice(0, 50) }));
    r.push(tcpSeg({ seq: 7, reverse: true, payload: sipResponse(1).slice(0, 10) }));
    r.push(tcpSeg({ seq: 1 + 50, flags: RST }));
    assert.equal(r.counters.flowsClosed, 2);
    assert.equal(r.bufferedBytes, 0);
    assert.equal(out.length, 0);
  });
});

void describe('TcpReassembler non-SIP and limits', () => {
  const http = 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n';

  void it('rejects HTTP on 5060 at once when the SYN was seen', () => {
    const { r, out } = setup();
    pushInOrder(r, 1, http + sipRequest(1), [http.length, 200]);
    // No SIP message: only the flagged sample the decoder turns into a not_sip event.
    assert.deepEqual(
      out.map((m) => m.anomalies.includes('stream_not_sip')),
      Array<boolean>(1).fill(true),
    );
    assert.equal(r.counters.stream_not_sip, 1);
    assert.equal(r.bufferedBytes, 0);
  });

  void it('rejects TLS and mid-stream HTTP after the probe budget', () => {
    const { r, out } = setup({ notSipProbeBytes: 4096 });
    const tls = Buffer.alloc(3000, 0x17);
    tls[0] = 0x16;
    r.push(tcpSeg({ seq: 1, payload: tls }));
    r.push(tcpSeg({ seq: 3001, payload: tls }));
    assert.equal(r.counters.stream_not_sip, 1);
    let seq = 50;
    for (let i = 0; i < 200; i++) {
      r.push(tcpSeg({ seq, reverse: true, payload: http }));
      seq += http.length;
    }
    assert.equal(r.counters.stream_not_sip, 2);
    // No SIP message: only the flagged sample the decoder turns into a not_sip event.
    assert.deepEqual(
      out.map((m) => m.anomalies.includes('stream_not_sip')),
      Array<boolean>(2).fill(true),
    );
    assert.equal(r.bufferedBytes, 0);
  });

  void it('drops a declared body larger than the message limit and resyncs', () => {
    const { r, out } = setup({ maxMessageBytes: 1000 });
    const huge = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n' + 'z\r\n'.repeat(50);
    const b = sipRequest(2);
    pushInOrder(r, 1, huge + b, [huge.length, b.length]);
    assert.deepEqual(texts(out), [b]);
    assert.equal(r.counters.tcp_buffer_overflow, 1);
  });

  void it('caps pending bytes per flow', () => {
    const { r, out } = setup({ maxBufferBytes: 2048, maxHeaderBytes: 100_000, maxMessageBytes: 100_000 });
    const head = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 90000\r\n\r\n';
    pushInOrder(r, 1, head + 'x'.repeat(3000), [head.length, 1500, 1500]);
    assert.equal(r.counters.tcp_buffer_overflow, 1);
    assert.ok(r.bufferedBytes <= 2048);
    assert.equal(out.length, 0);
  });

  void it('evicts the stalest buffering flow when the total buffer is full', () => {
    const { r } = setup({ maxTotalBufferBytes: 1000 });
    const part = sipRequest(1, SDP.repeat(8)).slice(0, 600);
    r.push(tcpSeg({ seq: 1, payload: part, t: 1000 }));
    r.push(tcpSeg({ seq: 1, reverse: true, payload: part, t: 1001 }));
    assert.equal(r.counters.tcp_flow_evicted, 1);
    assert.equal(r.flowCount, 1);
    assert.equal(r.bufferedBytes, 600);
  });

  void it('evicts the least recently active flow beyond maxFlows', () => {
    const { r } = setup({ maxFlows: 2 });
    r.push(tcpSeg({ seq: 1, flags: SYN, t: 1000 }));
    r.push(tcpSeg({ seq: 1, flags: SYN, reverse: true, t: 1001 }));
    r.push(tcpSeg({ seq: 2, payload: sipRequest(1), t: 1002 }));
    const third = { ...tcpSeg({ seq: 9, flags: SYN, t: 1003 }), srcPort: 40001 };
    r.push(third);
    assert.equal(r.flowCount, 2);
    assert.equal(r.counters.tcp_flow_evicted, 1);
  });

  void it('expires idle flows by packet time and emits their truncated tail', () => {
    const { r, out } = setup({ flowIdleTimeoutMs: 60_000 });
    const partial = sipRequest(1, SDP).slice(0, -5);
    pushInOrder(r, 1, partial, [partial.length]);
    assert.equal(r.flowCount, 1);
    r.advanceTime(30, 0);
    assert.equal(r.flowCount, 1);
    r.advanceTime(70, 0);
    assert.equal(r.flowCount, 0);
    assert.equal(r.counters.flowsExpired, 1);
    assert.deepEqual(texts(out), [partial]);
    assert.equal(r.bufferedBytes, 0);
  });
});

void describe('TcpReassembler WebSocket', () => {
  const upgrade =
    'GET /ws HTTP/1.1\r\nHost: sip.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const accept =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

  function frame(opcode: number, fin: boolean, payload: Buffer, mask?: number[]): Buffer {
    const n = payload.length;
    const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
    const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = (mask ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
    if (ext === 2) head.writeUInt16BE(n, 2);
    if (ext === 8) head.writeUInt32BE(n, 6);
    const body = Buffer.from(payload);
    if (mask) {
      Buffer.from(mask).copy(head, 2 + ext);
      for (let i = 0; i < n; i++) body[i] = (body[i] ?? 0) ^ (mask[i & 3] ?? 0);
    }
    return Buffer.concat([head, body]);
  }

  void it('decodes masked fragmented client frames and unmasked server frames as ws messages', () => {
    const { r, out } = setup();
    const req = Buffer.from(sipRequest(1, SDP.repeat(2)));
    const res = Buffer.from(sipResponse(1));
    const mask = [0x12, 0x34, 0x56, 0x78];
    const client = Buffer.concat([
      Buffer.from(upgrade),
      frame(1, false, req.subarray(0, 50), mask),
      frame(9, true, Buffer.from('ping'), mask),
      frame(0, false, req.subarray(50, 51), mask),
      frame(0, true, req.subarray(51), mask),
      frame(2, true, Buffer.from(sipRequest(2, 'x'.repeat(300))), mask),
    ]);
    const server = Buffer.concat([Buffer.from(accept), frame(1, true, res), frame(8, true, Buffer.from([3, 232]))]);
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 0, flags: SYN | ACK, reverse: true }));
    // Client bytes in uneven segments, server bytes in one.
    for (let off = 0; off < client.length; off += 37) {
      r.push(tcpSeg({ seq: 1 + off, payload: client.subarray(off, off + 37) }));
    }
    r.push(tcpSeg({ seq: 1, reverse: true, payload: server }));
    assert.deepEqual(texts(out), [req.toString(), sipRequest(2, 'x'.repeat(300)), res.toString()]);
    assert.ok(out.every((m) => m.transport === 'ws'));
    assert.equal(r.counters.wsMessages, 3);
    assert.equal(r.counters.stream_not_sip, 0);
  });

  void it('treats a WebSocket upgrade for another protocol as not SIP', () => {
    const { r, out } = setup();
    const other = upgrade.replace('Protocol: sip', 'Protocol: chat');
    pushInOrder(r, 1, other + 'garbage', [other.length + 7]);
    // No SIP message: only the flagged sample the decoder turns into a not_sip event.
    assert.deepEqual(
      out.map((m) => m.anomalies.includes('stream_not_sip')),
      Array<boolean>(1).fill(true),
    );
    assert.equal(r.counters.stream_not_sip, 1);
  });

  void it('abandons a WebSocket direction after a TCP gap (frames cannot resync)', () => {
    const { r, out } = setup();
    const f = frame(1, true, Buffer.from(sipResponse(1)));
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: upgrade }));
    r.push(tcpSeg({ seq: 1 + upgrade.length + 5, payload: f.subarray(5) }));
    r.advanceTime(5, 0);
    assert.equal(r.counters.tcp_gap, 1);
    assert.equal(r.counters.ws_protocol_error, 1);
    assert.equal(out.length, 0);
  });

  void it('abandons a direction on a bad frame', () => {
    const { r, out } = setup();
    const bad = Buffer.concat([Buffer.from(upgrade), Buffer.from([0xf1, 0x00])]);
    r.push(tcpSeg({ seq: 0, flags: SYN }));
    r.push(tcpSeg({ seq: 1, payload: bad }));
    assert.equal(r.counters.ws_protocol_error, 1);
    assert.equal(out.length, 0);
  });
});

void describe('TcpReassembler properties', () => {
  const messageArb = fc
    .tuple(fc.nat({ max: 1000 }), fc.string({ maxLength: 200 }), fc.boolean())
    .map(([n, body, req]) => (req ? sipRequest(n, body.replace(/[^\x20-\x7e]/g, 'a')) : sipResponse(n)));

  type Range = { off: number; len: number };

  /** Cut `total` bytes at the given sizes, then shuffle from `order`. */
  function cutAndShuffle(total: number, sizes: number[], order: number[]): Range[] {
    const segs: Range[] = [];
    let off = 0;
    let k = 0;
    while (off < total) {
      const n = Math.min(sizes[k++ % sizes.length] ?? 1, total - off);
      segs.push({ off, len: n });
      off += n;
    }
    for (let i = segs.length - 1; i > 0; i--) {
      const j = (order[i % Math.max(1, order.length)] ?? 0) % (i + 1);
      [segs[i], segs[j]] = [segs[j] as Range, segs[i] as Range];
    }
    return segs;
  }

  void it('yields exactly the original messages for any cut, order and (re-cut) duplication', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 300 }), fc.nat()), { maxLength: 10 }),
        (msgs, sizes, isn, order, dups) => {
          const stream = Buffer.from(msgs.join(''), 'latin1');
          const segs = cutAndShuffle(stream.length, sizes, order);
          // Retransmissions cut at other boundaries than the originals (repacketised), anywhere.
          for (const [o, l, at] of dups) {
            const off = o % stream.length;
            segs.splice(at % (segs.length + 1), 0, { off, len: Math.min(l, stream.length - off) });
          }
          const { r, out } = setup({ maxHeldSegments: 10_000 });
          r.push(tcpSeg({ seq: isn, flags: SYN, t: 0 }));
          let t = 0;
          for (const s of segs) {
            r.push(tcpSeg({ seq: isn + 1 + s.off, payload: stream.subarray(s.off, s.off + s.len), t: ++t % 500 }));
          }
          assert.deepEqual(texts(out), msgs);
          assert.equal(r.counters.tcp_gap, 0);
          assert.equal(r.counters.tcp_overlap_conflict, 0);
          assert.equal(r.bufferedBytes, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  void it('after one lost segment, emits only original messages, in order, all those before the loss', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 2, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.nat(),
        (msgs, sizes, isn, lostPick) => {
          const stream = Buffer.from(msgs.join(''), 'latin1');
          const segs = cutAndShuffle(stream.length, sizes, []).sort((x, y) => x.off - y.off);
          const lost = segs.splice(lostPick % segs.length, 1)[0] as Range;
          const { r, out } = setup();
          r.push(tcpSeg({ seq: isn, flags: SYN, t: 0 }));
          for (const s of segs) {
            r.push(tcpSeg({ seq: isn + 1 + s.off, payload: stream.subarray(s.off, s.off + s.len), t: 1 }));
          }
          r.advanceTime(5, 0);
          const got = texts(out);
          let i = 0;
          for (const g of got) {
            while (i < msgs.length && msgs[i] !== g) i++;
            assert.ok(i < msgs.length, `unexpected message ${JSON.stringify(g.slice(0, 40))}`);
            i++;
          }
          let ends = 0;
          const before = msgs.filter((m) => (ends += m.length) <= lost.off);
          assert.deepEqual(got.slice(0, before.length), before);
        },
      ),
      { numRuns: 300 },
    );
  });

  void it('never throws on random segments', () => {
    const segArb = fc.record({
      seq: fc.integer({ min: 0, max: 0xffffffff }),
      ack: fc.integer({ min: 0, max: 0xffffffff }),
      flags: fc.integer({ min: 0, max: 63 }),
      reverse: fc.boolean(),
      t: fc.integer({ min: 0, max: 10_000_000 }),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
        messageArb.map((m) => Buffer.from(m)),
        fc.constantFrom(Buffer.from('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: sip\r\n\r\n')),
      ),
    });
    fc.assert(
      fc.property(fc.array(segArb, { maxLength: 60 }), (segs) => {
        const { r } = setup({ maxBufferBytes: 4096, maxTotalBufferBytes: 8192, maxFlows: 4 });
        for (const s of segs) r.push(tcpSeg({ ...s, seq: s.seq, t: s.t }));
        r.flush();
        assert.equal(r.bufferedBytes, 0);
      }),
      { numRuns: 300 },
    );
  });
});
