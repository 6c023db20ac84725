//! sipMessageLength: stream framing by header end + Content-Length (RFC 3261 §18.3).
//! Run: npx tsx --test collectors/src/sip/framing.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sipMessageLength } from './framing';
import { invite } from './test-helpers';

const len = (s: string | Buffer): ReturnType<typeof sipMessageLength> => {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return sipMessageLength(b, 0, b.length);
};

void test('complete message with body; two messages back to back', () => {
  const m = invite();
  assert.equal(len(m), m.length);
  const two = Buffer.concat([m, m]);
  assert.equal(sipMessageLength(two, 0, two.length), m.length);
  assert.equal(sipMessageLength(two, m.length, two.length), m.length);
});

void test('need_more until the head and the body are complete', () => {
  const m = invite();
  for (const cut of [1, 10, 40, 200, m.length - 1]) assert.equal(sipMessageLength(m, 0, cut), 'need_more', String(cut));
});

void test('compact l:, LF-only line ends, leading CRLF keep-alives', () => {
  assert.equal(len('OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc'), 36);
  assert.equal(len('OPTIONS sip:a@b SIP/2.0\nContent-Length: 2\n\nab'), 45);
  assert.equal(len('\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\n'), 37);
  assert.equal(len('\r\n\r\n'), 'need_more');
});

void test('missing Content-Length: the header length (caller flags missing_content_length)', () => {
  assert.equal(len('SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\nrest'), 30);
});

void test('invalid: not SIP, bad or conflicting Content-Length, oversize', () => {
  assert.equal(len('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'invalid');
  assert.equal(len('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n'), 'invalid');
  assert.equal(len('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1x\r\n\r\n'), 'invalid');
  assert.equal(len('OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab'), 'invalid');
  assert.equal(len('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n'), 'invalid');
  const huge = Buffer.alloc(70_000, 0x61);
  huge.write('OPTIONS sip:a@b SIP/2.0\r\nX: ', 0, 'latin1');
  assert.equal(len(huge), 'invalid');
  assert.equal(len(Buffer.from([0x16, 0x03, 0x01])), 'need_more');
  assert.equal(len(Buffer.from([0x16, 0x03, 0x01, 0x0a])), 'invalid');
});
