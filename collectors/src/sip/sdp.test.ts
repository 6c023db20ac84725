//! parseSdp: session/media connection addresses, codecs from rtpmap and static payload types,
//! crypto/fingerprint presence, malformed bodies. Run: npx tsx --test collectors/src/sip/sdp.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSdp } from './sdp';

function sdp(lines: string[], eol = '\r\n'): ReturnType<typeof parseSdp> {
  const b = Buffer.from(lines.join(eol) + eol, 'latin1');
  return parseSdp(b, 0, b.length);
}

void test('session and media level c=, o= address, codecs', () => {
  const r = sdp([
    'v=0',
    'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5',
    's=SDP Seminar',
    'c=IN IP4 224.2.17.12/127',
    't=2873397496 2873404696',
    'm=audio 49170 RTP/AVP 0 96',
    'a=rtpmap:96 opus/48000/2',
    'm=video 51372 RTP/AVP 99',
    'c=IN IP4 192.0.2.77',
    'a=rtpmap:99 h263-1998/90000',
  ]);
  assert.equal(r.bad, false);
  assert.deepEqual(r.sdp, {
    connection_ip: '224.2.17.12',
    origin_ip: '10.47.16.5',
    media: [
      { type: 'audio', port: 49170, proto: 'RTP/AVP', codecs: ['PCMU', 'opus'] },
      { type: 'video', port: 51372, proto: 'RTP/AVP', codecs: ['h263-1998'], connection_ip: '192.0.2.77' },
    ],
    has_crypto: false,
  });
});

void test('SRTP crypto, DTLS fingerprint, port/count, IPv6, LF line ends', () => {
  const r = sdp(
    [
      'v=0',
      'o=- 0 0 IN IP6 2001:db8::1',
      's=-',
      'c=IN IP6 2001:db8::2',
      't=0 0',
      'm=audio 5004/2 RTP/SAVPF 111 0',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
      'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB',
      'a=rtpmap:111 opus/48000/2',
    ],
    '\n',
  );
  assert.equal(r.bad, false);
  assert.equal(r.sdp.connection_ip, '2001:db8::2');
  assert.deepEqual(r.sdp.media, [{ type: 'audio', port: 5004, proto: 'RTP/SAVPF', codecs: ['opus', 'PCMU'] }]);
  assert.equal(r.sdp.has_crypto, true);
  assert.equal(r.sdp.has_fingerprint, true);
});

void test('media-level c= equal to the session one is not repeated', () => {
  const r = sdp(['v=0', 'c=IN IP4 192.0.2.1', 'm=audio 1000 RTP/AVP 8', 'c=IN IP4 192.0.2.1']);
  assert.deepEqual(r.sdp.media, [{ type: 'audio', port: 1000, proto: 'RTP/AVP', codecs: ['PCMA'] }]);
});

void test('malformed bodies are flagged, never thrown', () => {
  assert.equal(sdp(['hello world']).bad, true);
  assert.equal(sdp(['v=0', 'm=audio notaport RTP/AVP 0']).bad, true);
  assert.equal(sdp(['v=0', 'c=IN']).bad, true);
  assert.equal(sdp(['v=0', 'Xbad']).bad, true);
  for (const s of ['', '\r\n', 'v=', 'm=', 'a=rtpmap:', 'a=rtpmap:96', 'o=', 'c=IN IP4', '=\r\n=\r\n', 'm= \r\n']) {
    const b = Buffer.from(s);
    assert.doesNotThrow(() => parseSdp(b, 0, b.length));
  }
});

void test('bounded output: at most 16 media and 32 codecs each', () => {
  const lines = ['v=0'];
  for (let i = 0; i < 40; i++)
    lines.push(`m=audio ${1000 + i} RTP/AVP ${Array.from({ length: 60 }, (_, k) => k).join(' ')}`);
  const r = sdp(lines);
  assert.equal(r.sdp.media.length, 16);
  assert.equal(r.sdp.media[0]?.codecs?.length, 32);
});
