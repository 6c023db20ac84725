import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  findHeaderEnd,
  findSipStart,
  frameSipMessage,
  isSipStartLine,
  readContentLength,
  START_LINE_NEED_MORE,
  START_LINE_NO,
  START_LINE_YES,
} from './sip-framing';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

void describe('sip-framing', () => {
  void it('finds the end of headers with CRLF, LF and mixed line ends', () => {
    assert.equal(findHeaderEnd(B('A\r\nB: 1\r\n\r\nbody'), 0, 15), 11);
    assert.equal(findHeaderEnd(B('A\nB: 1\n\nbody'), 0, 12), 8);
    assert.equal(findHeaderEnd(B('A\r\nB: 1\n\r\nbody'), 0, 14), 10);
    assert.equal(findHeaderEnd(B('A\r\nB: 1\r\n\r'), 0, 11), -1);
  });

  void it('reads Content-Length in full, compact and odd forms only at a line start', () => {
    const h = (s: string): number => {
      const b = B(`INVITE sip:a@b SIP/2.0\r\n${s}\r\n\r\n`);
      return readContentLength(b, 0, b.length);
    };
    assert.equal(h('Content-Length: 12'), 12);
    assert.equal(h('content-LENGTH:12   '), 12);
    assert.equal(h('l: 0'), 0);
    assert.equal(h('L :\t7'), 7);
    assert.equal(h('X-Content-Length: 9'), -1);
    assert.equal(h('Subject: l: 5'), -1);
    assert.equal(h('Content-Length: -1'), -1);
    assert.equal(h('Content-Length: 12a'), -1);
    assert.equal(h('Content-Length: 1234567890'), -1);
    assert.equal(h('Content-Length:'), -1);
    assert.equal(h('Via: x\r\nContent-Length: 3\r\nl: 9'), 3);
  });

  void it('frames whole messages, asks for more, and reports a missing length', () => {
    const msg = B('MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabcNEXT');
    assert.deepEqual(frameSipMessage(msg, 0, msg.length, 1000), { kind: 'message', length: 36, headerLength: 33 });
    const more = frameSipMessage(msg, 0, 34, 1000);
    assert.equal(more.kind, 'need_more');
    assert.equal(more.kind === 'need_more' && more.length, 36);
    const partial = frameSipMessage(msg, 0, 20, 1000);
    assert.equal(partial.kind === 'need_more' && partial.length, -1);
    const none = B('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n');
    assert.equal(frameSipMessage(none, 0, none.length, 1000).kind, 'missing_content_length');
    assert.equal(frameSipMessage(B('x'.repeat(2000)), 0, 2000, 1000).kind, 'invalid');
  });

  void it('recognises SIP start lines and rejects look-alikes', () => {
    const v = (s: string): number => isSipStartLine(B(s), 0, s.length);
    assert.equal(v('INVITE sip:bob@example.com SIP/2.0\r\n'), START_LINE_YES);
    assert.equal(v('REGISTER sips:example.com SIP/2.0\n'), START_LINE_YES);
    assert.equal(v('MESSAGE tel:+15551234 SIP/2.0\r\n'), START_LINE_YES);
    assert.equal(v('SIP/2.0 200 OK\r\n'), START_LINE_YES);
    assert.equal(v('SIP/2.0 180 '), START_LINE_YES);
    assert.equal(v('SIP/2.0 18'), START_LINE_NEED_MORE);
    assert.equal(v('INVITE sip:bob@exa'), START_LINE_NEED_MORE);
    assert.equal(v('INV'), START_LINE_NEED_MORE);
    assert.equal(v('GET / HTTP/1.1\r\n'), START_LINE_NO);
    assert.equal(v('HTTP/1.1 200 OK\r\n'), START_LINE_NO);
    assert.equal(v('INVITE http://x SIP/2.0\r\n'), START_LINE_NO);
    assert.equal(v('INVITE sip:bob SIP/3.0\r\n'), START_LINE_NO);
    assert.equal(v('SIP/2.0 20x OK\r\n'), START_LINE_NO);
    assert.equal(v('\x16\x03\x01'), START_LINE_NO);
  });

  void it('resyncs to the next start line at a line start', () => {
    const b = B('garbage INVITE sip:x SIP/2.0\r\nbody\r\nSIP/2.0 100 Trying\r\n');
    assert.equal(findSipStart(b, 0), b.indexOf('SIP/2.0 100'));
    assert.equal(findSipStart(b, 8), 8);
    assert.equal(findSipStart(B('no sip here\r\nnor here'), 0), -1);
  });

  void it('never throws and stays linear on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.nat({ max: 600 }), (u, from) => {
        const b = Buffer.from(u);
        const at = findSipStart(b, from);
        assert.ok(at === -1 || (at >= from && at < b.length));
        frameSipMessage(b, 0, b.length, 100);
        isSipStartLine(b, 0, b.length);
      }),
      { numRuns: 3000 },
    );
    const big = Buffer.alloc(4 << 20, 0x41);
    const t = Date.now();
    findSipStart(big, 0);
    frameSipMessage(big, 0, big.length, big.length);
    assert.ok(Date.now() - t < 2000);
  });

  void it('frames a whole message in one pass exactly as header end + readContentLength would', () => {
    // The two-pass framing the one-pass scan replaced, as the reference.
    const reference = (b: Buffer, max: number): unknown => {
      const headerEnd = findHeaderEnd(b, 0, b.length);
      if (headerEnd < 0) return b.length > max ? 'invalid' : ['need_more', b.length, -1];
      if (headerEnd > max) return 'invalid';
      const cl = readContentLength(b, 0, headerEnd);
      if (cl < 0) return ['missing_content_length', headerEnd, headerEnd];
      return headerEnd + cl > b.length
        ? ['need_more', headerEnd, headerEnd + cl]
        : ['message', headerEnd + cl, headerEnd];
    };
    const actual = (b: Buffer, max: number): unknown => {
      const f = frameSipMessage(b, 0, b.length, max);
      if (f.kind === 'invalid') return 'invalid';
      return f.kind === 'need_more' ? [f.kind, f.scannedTo, f.length] : [f.kind, f.length, f.headerLength];
    };
    const piece = fc.constantFrom(
      'INVITE sip:a@b SIP/2.0',
      'Content-Length',
      'content-length',
      'CONTENT-LENGTH',
      'Content-Lengthx',
      'l',
      'L',
      'c',
      'Via',
      ':',
      ' ',
      '\t',
      '\r\n',
      '\n',
      '\r',
      '0',
      '7',
      '12',
      '1234567890',
      '-',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 10, max: 400 }), (parts, max) => {
        const b = B(parts.join(''));
        assert.deepEqual(actual(b, max), reference(b, max));
      }),
      { numRuns: 5000 },
    );
  });
});
