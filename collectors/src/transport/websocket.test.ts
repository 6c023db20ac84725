import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWsFrameHeader, parseWsHandshake, WsMessageDecoder } from './websocket';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

void describe('websocket', () => {
  void it('classifies handshakes', () => {
    const get = B('GET /sip HTTP/1.1\r\nUpgrade: WebSocket\r\nSec-WebSocket-Protocol: chat, sip\r\n\r\n');
    assert.deepEqual(parseWsHandshake(get, 0, get.length, 1000), {
      kind: 'ws',
      role: 'client',
      headerLength: get.length,
      sipProtocol: true,
    });
    const ok = B('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n');
    assert.deepEqual(parseWsHandshake(ok, 0, ok.length, 1000), {
      kind: 'ws',
      role: 'server',
      headerLength: ok.length,
      sipProtocol: false,
    });
    const no = B('HTTP/1.1 400 Bad\r\nUpgrade: websocket\r\n\r\n');
    assert.deepEqual(parseWsHandshake(no, 0, no.length, 1000), { kind: 'not_ws', http: true });
    assert.deepEqual(parseWsHandshake(B('GET / HTTP/1.1\r\n\r\n'), 0, 18, 1000), { kind: 'not_ws', http: true });
    assert.deepEqual(parseWsHandshake(B('INVITE'), 0, 6, 1000), { kind: 'not_ws', http: false });
    assert.equal(parseWsHandshake(B('GE'), 0, 2, 1000).kind, 'need_more');
    assert.equal(parseWsHandshake(get, 0, get.length - 1, 1000).kind, 'need_more');
  });

  void it('parses 7-, 16- and 64-bit lengths and rejects bad frames', () => {
    const h16 = Buffer.from([0x81, 0xfe, 0x01, 0x00, 1, 2, 3, 4]);
    assert.deepEqual(parseWsFrameHeader(h16, 0, h16.length, 1 << 20), {
      fin: true,
      opcode: 1,
      masked: true,
      maskOffset: 4,
      payloadOffset: 8,
      payloadLength: 256,
    });
    const h64 = Buffer.from([0x02, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
    const p = parseWsFrameHeader(h64, 0, h64.length, 1 << 20);
    assert.ok(typeof p === 'object' && p.payloadLength === 65536 && !p.fin && p.payloadOffset === 10);
    assert.equal(parseWsFrameHeader(h64, 0, h64.length, 1000), 'invalid');
    assert.equal(parseWsFrameHeader(Buffer.from([0x02, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0]), 0, 10, 1 << 30), 'invalid');
    assert.equal(parseWsFrameHeader(h64, 0, 5, 1 << 20), 'need_more');
    assert.equal(parseWsFrameHeader(Buffer.from([0xc1, 0]), 0, 2, 100), 'invalid');
    assert.equal(parseWsFrameHeader(Buffer.from([0x83, 0]), 0, 2, 100), 'invalid');
    assert.equal(parseWsFrameHeader(Buffer.from([0x09, 0]), 0, 2, 100), 'invalid');
    assert.equal(parseWsFrameHeader(Buffer.from([0x89, 126, 0, 200]), 0, 4, 1000), 'invalid');
  });

  void it('rejects a continuation without a start and an oversize message', () => {
    const d = new WsMessageDecoder(10);
    assert.equal(
      d.decode(Buffer.from([0x80, 0x01, 0x41]), 0, 3, () => undefined),
      -1,
    );
    const e = new WsMessageDecoder(10);
    const frags = Buffer.from([0x01, 0x06, 1, 2, 3, 4, 5, 6, 0x80, 0x06, 1, 2, 3, 4, 5, 6]);
    assert.equal(
      e.decode(frags, 0, frags.length, () => undefined),
      -1,
    );
  });

  void it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (u) => {
        const b = Buffer.from(u);
        const d = new WsMessageDecoder(1000);
        const n = d.decode(b, 0, b.length, () => undefined);
        assert.ok(n >= -1 && n <= b.length);
        parseWsHandshake(b, 0, b.length, 100);
      }),
      { numRuns: 3000 },
    );
  });
});
