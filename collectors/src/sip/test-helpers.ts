//! Test helpers for the SIP parser tests: fixture lookup and message builders (tests only).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../../../lib/src/repo-root';

/** collectors/test/fixtures/sip. */
export function fixtureDir(): string {
  return repoPath('collectors', 'test', 'fixtures', 'sip');
}

export function fixture(name: string): Buffer {
  return readFileSync(join(fixtureDir(), `${name}.sip`));
}

/** Lines joined with CRLF; the body (if any) follows an empty line and gets a Content-Length. */
export function sip(lines: string[], body?: string): Buffer {
  if (body === undefined) return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(lines.join('\r\n') + `\r\nContent-Length: ${b.length}\r\n\r\n`, 'utf8'), b]);
}

export const SDP_BODY = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.101',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 18 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  '',
].join('\r\n');

/** A realistic INVITE with a 2-hop Via, digest credentials and an SDP offer. */
export function invite(extra: string[] = [], body: string = SDP_BODY): Buffer {
  return sip(
    [
      'INVITE sip:+4930123456@sip.example.com;user=phone SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
      'Via: SIP/2.0/TCP 10.0.0.1:5061;branch=z9hG4bK-abc;received=203.0.113.5',
      'Max-Forwards: 70',
      'To: <sip:+4930123456@sip.example.com>',
      'From: "Alice" <sip:1001@sip.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@192.0.2.10',
      'CSeq: 2 INVITE',
      'Contact: <sip:1001@192.0.2.10:5060;transport=udp>',
      'Proxy-Authorization: Digest username="1001", realm="sip.example.com", nonce="5f1e2d3c4b5a", ' +
        'uri="sip:+4930123456@sip.example.com", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", nc=00000001, qop=auth',
      'User-Agent: Zoiper rv2.10.8.3',
      'Content-Type: application/sdp',
      ...extra,
    ],
    body,
  );
}
