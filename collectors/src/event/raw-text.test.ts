import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RAW_BYTES, rawText, redactSipText, TRUNCATION_MARK } from './raw-text';

const REGISTER = [
  'REGISTER sip:10.77.0.21 SIP/2.0',
  'Via: SIP/2.0/UDP 10.77.0.66:5060;branch=z9hG4bK-1',
  'From: "alice" <sip:alice@10.77.0.21>;tag=1',
  'To: "alice" <sip:alice@10.77.0.21>',
  'Call-ID: 42',
  'CSeq: 2 REGISTER',
  'Authorization: Digest username="alice", realm="sipward.test", nonce="abc", uri="sip:10.77.0.21", response="6629fae49393a05397450978507c4ef1", algorithm=MD5',
  'Proxy-Authorization: Digest username="alice",response=0123abcd,realm="r"',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

void test('the digest response is redacted; username, realm, nonce and uri stay readable', () => {
  const out = redactSipText(REGISTER);
  assert.ok(!out.includes('6629fae49393a05397450978507c4ef1'));
  assert.ok(!out.includes('0123abcd'));
  assert.match(
    out,
    /Authorization: Digest username="alice", realm="sipward.test", nonce="abc", uri="sip:10.77.0.21", response="\[redacted\]", algorithm=MD5\r\n/,
  );
  assert.match(out, /Proxy-Authorization: Digest username="alice",response="\[redacted\]",realm="r"\r\n/);
  assert.match(out, /^REGISTER sip:10.77.0.21 SIP\/2.0\r\n/);
});

void test('Basic credentials and password parameters are redacted wherever they appear', () => {
  const out = redactSipText(
    'INVITE sip:bob@x;password=hunter2 SIP/2.0\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\nuser=a&passwd=s3cret\r\n',
  );
  assert.ok(!/hunter2|YWxpY2U6c2VjcmV0|s3cret/.test(out), out);
  assert.match(out, /password=\[redacted\]/);
  assert.match(out, /Authorization: Basic \[redacted\]/);
});

void test('raw text is bounded and marks a cut', () => {
  const big = Buffer.from(`MESSAGE sip:a SIP/2.0\r\nContent-Length: 20000\r\n\r\n${'x'.repeat(20_000)}`);
  const out = rawText(big, 0, big.length);
  assert.ok(out.endsWith(TRUNCATION_MARK));
  assert.equal(out.length, MAX_RAW_BYTES + TRUNCATION_MARK.length);
  const small = Buffer.from(`xx${REGISTER}yy`);
  assert.equal(rawText(small, 2, small.length - 2), redactSipText(REGISTER));
});
