import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from './parser';
import { parseStirIdentity } from './stir-identity';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const TOKEN =
  `${b64({ alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u: 'https://cert.example/sp.pem' })}.` +
  `${b64({ attest: 'b', dest: { tn: ['+44 20 7946 0150'] }, iat: 1, orig: { tn: '12125550147' }, origid: 'x' })}.c2ln`;

void test('Identity: the PASSporT claims are read (digits only, attestation upper-cased)', () => {
  assert.deepEqual(parseStirIdentity(`${TOKEN};info=<https://cert.example/sp.pem>;alg=ES256;ppt=shaken`), {
    valid: true,
    ppt: 'shaken',
    attest: 'B',
    orig_tn: '12125550147',
    dest_tn: ['442079460150'],
  });
});

void test('Identity: unreadable tokens are flagged, never thrown', () => {
  for (const bad of ['', 'abc', 'a.b.c;ppt=shaken', `${TOKEN.split('.')[0]}.!!!.sig`, 'x'.repeat(9000) + '.a.b']) {
    assert.equal(parseStirIdentity(bad).valid, false, bad.slice(0, 40));
  }
});

void test('Identity header (and its compact form y) lands in sip.identity.stir', () => {
  for (const name of ['Identity', 'y']) {
    const wire =
      'INVITE sip:+442079460150@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1\r\n' +
      'From: <sip:+12125550147@a.example>;tag=1\r\nTo: <sip:+442079460150@example.net>\r\nCall-ID: c1\r\n' +
      `CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n${name}: ${TOKEN};ppt=shaken\r\nContent-Length: 0\r\n\r\n`;
    const buf = Buffer.from(wire);
    const m = parseSipMessage(buf, 0, buf.length, { stream: false });
    assert.equal(m.sip.identity?.stir?.orig_tn, '12125550147', name);
  }
});
