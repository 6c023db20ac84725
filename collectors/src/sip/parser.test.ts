//! parseSipMessage and probeSip against the RFC 4475 / RFC 5118 torture messages and hand-made
//! cases: fields extracted, anomaly codes, limits. Run: npx tsx --test collectors/src/sip/parser.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAnomalyCode, type AnomalyCode } from '../../../schema/src/anomalies';
import { parseSipMessage, probeSip, type SipMessage } from './parser';
import { fixture, invite, sip, SDP_BODY } from './test-helpers';

function parse(b: Buffer, opts?: Parameters<typeof parseSipMessage>[3]): SipMessage {
  return parseSipMessage(b, 0, b.length, opts);
}

/** RFC 4475 §3.1.1 well-formed messages, §3.1.2 invalid ones, §3.3/3.4 semantics, RFC 5118 IPv6. */
const TORTURE: Array<[string, AnomalyCode[]]> = [
  // §3.1.1 valid: no anomaly beyond what is observational (unknown method, Snort's 20-char method limit).
  ['wsinv', []],
  ['intmeth', ['unknown_method', 'oversize_cseq_method']],
  ['esc01', []],
  ['escnull', []],
  ['esc02', ['unknown_method']],
  ['lwsdisp', []],
  ['dblreq', ['multiple_messages']],
  ['semiuri', []],
  ['transports', []],
  ['unreason', []],
  ['noreason', []],
  // §3.1.2 invalid
  ['badinv01', ['bad_from', 'bad_via', 'bad_contact']],
  ['clerr', ['oversize_content_length', 'content_length_mismatch']],
  ['ncl', ['content_length_negative']],
  ['scalar02', ['cseq_out_of_range', 'bad_max_forwards', 'bad_expires']],
  ['scalarlg', ['cseq_out_of_range']],
  ['quotbal', ['bad_to', 'unterminated_quoted_string']],
  ['ltgtruri', ['bad_request_uri']],
  ['lwsruri', ['bad_request_line', 'bad_request_uri']],
  ['lwsstart', ['bad_request_line']],
  ['trws', ['bad_request_line']],
  ['escruri', ['bad_request_uri']],
  ['baddate', ['bad_date']],
  ['regbadct', ['bad_contact']],
  ['badaspec', ['bad_to']],
  ['baddn', ['bad_from', 'bad_to']],
  ['badvers', ['bad_version', 'bad_via']],
  ['mismatch01', ['cseq_method_mismatch']],
  ['mismatch02', ['unknown_method', 'cseq_method_mismatch']],
  ['bigcode', ['bad_status_code']],
  // §3.3 application-layer semantics, §3.4 RFC 2543 compatibility
  ['insuf', ['missing_from', 'missing_to', 'missing_call_id', 'missing_max_forwards']],
  ['unkscm', []],
  ['regaut01', []],
  ['multi01', ['multiple_cseq', 'multiple_call_id', 'multiple_to', 'multiple_from']],
  ['mcl01', ['multiple_content_length', 'content_length_mismatch']],
  ['zeromf', []],
  ['inv2543', ['missing_max_forwards']],
  // RFC 5118 IPv6 torture tests
  ['ipv6-good', []],
  ['ipv6-bad', ['bad_request_uri']],
  ['port-ambiguous', []],
  ['port-unambiguous', []],
];

for (const [name, expected] of TORTURE) {
  void test(`torture ${name}: anomalies ${expected.join(',') || 'none'}`, () => {
    const m = parse(fixture(name));
    assert.deepEqual([...m.anomalies].sort(), [...expected].sort());
    assert.deepEqual(m.sip.anomalies, m.anomalies.length > 0 ? m.anomalies : undefined);
    for (const code of m.anomalies) assert.ok(isAnomalyCode(code), code);
  });
}

void test('wsinv: folding, LWS around colons and slashes, compact forms, leading zeros', () => {
  const s = parse(fixture('wsinv')).sip;
  assert.equal(s.method, 'INVITE');
  assert.equal(s.request_uri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
  assert.equal(s.request_uri_user, 'vivekg');
  assert.equal(s.request_uri_host, 'chair-dnrc.example.com');
  assert.deepEqual(s.to, { user: 'vivekg', host: 'chair-dnrc.example.com', tag: '1918181833n', scheme: 'sip' });
  assert.deepEqual(s.from, {
    user: 'jdrosen',
    host: 'example.com',
    display_name: 'J Rosenberg \\"',
    tag: '98asjd8',
    scheme: 'sip',
  });
  assert.equal(s.max_forwards, 68);
  assert.equal(s.call_id, 'wsinv.ndaksdj@192.0.2.1');
  assert.deepEqual(s.cseq, { seq: 9, method: 'INVITE' });
  assert.deepEqual(s.via, [
    { transport: 'UDP', host: '192.0.2.2', branch: '390skdjuw', rport: true },
    { transport: 'TCP', host: 'spindle.example.com', branch: 'z9hG4bK9ikj8' },
    { transport: 'UDP', host: '192.168.255.111', branch: 'z9hG4bK30239' },
  ]);
  assert.deepEqual(s.contact, [{ user: 'jdrosen', host: 'example.com' }]);
  assert.deepEqual(s.route, ['sip:services.example.com;lr;unknownwith=value;unknown-no-value']);
  assert.equal(s.content_type, 'application/sdp');
  assert.equal(s.content_length, 150);
  assert.equal(s.body_length, 150);
  assert.equal(s.sdp?.connection_ip, '192.0.2.4');
  assert.equal(s.sdp?.origin_ip, '192.0.2.3');
  assert.deepEqual(s.sdp?.media, [
    { type: 'audio', port: 49217, proto: 'RTP/AVP', codecs: ['PCMU', 'QCELP'] },
    { type: 'video', port: 3227, proto: 'RTP/AVP', codecs: ['LPC'] },
  ]);
});

void test('intmeth: token characters everywhere, quoted NUL, UTF-8 parameter values', () => {
  const m = parse(fixture('intmeth'));
  assert.equal(m.sip.method, "!interesting-Method0123456789_*+`.%indeed'~");
  assert.equal(m.sip.request_uri_user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(m.sip.request_uri_host, 'example.com');
  assert.equal(m.sip.to?.display_name, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  assert.equal(m.sip.from?.display_name, "token1~` token2'+_ token3*%!.-");
  assert.equal(m.sip.from?.tag, "_token~1'+`*%!-.");
  assert.equal(m.sip.call_id, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  assert.equal(m.sip.cseq?.seq, 139122385);
  assert.equal(m.sip.via?.[0]?.branch, "z9hG4bK-.!%66*_+`'~");
  assert.ok(!m.anomalies.includes('nul_byte'), 'a NUL escaped by a quoted-pair is legal');
});

void test('esc01 / escnull / esc02: %-escapes decoded in user parts only', () => {
  const a = parse(fixture('esc01')).sip;
  assert.equal(a.request_uri_user, 'sips:user@example.com');
  assert.equal(a.request_uri_host, 'example.net');
  assert.equal(a.to?.user, 'user');
  assert.equal(a.from?.user, 'I have spaces');
  assert.equal(a.contact?.[0]?.user, 'caller');
  assert.equal(a.content_type, 'application/sdp', 'compact c:');
  assert.equal(a.call_id, 'esc01.239409asdfakjkn23onasd0-3234', 'compact i:');
  const b = parse(fixture('escnull')).sip;
  assert.equal(b.to?.user, 'null-\x00-null');
  assert.equal(b.contact?.length, 2);
  assert.equal(b.content_length, 0, 'compact L: upper case');
  const c = parse(fixture('esc02')).sip;
  assert.equal(c.method, 'RE%47IST%45R');
  assert.equal(c.to?.display_name, '%Z%45');
  assert.deepEqual(
    c.contact?.map((x) => x.host),
    ['host1.example.com', 'host3.example.com'],
    'C%6Fntact is not Contact',
  );
});

void test('unreason / noreason: UTF-8 reason phrase, empty reason phrase', () => {
  const a = parse(fixture('unreason')).sip;
  assert.equal(a.type, 'response');
  assert.equal(a.status_code, 200);
  assert.equal(a.reason_phrase, '= 2**3 * 5**2 но сто девяносто девять - простое');
  assert.equal(a.sdp?.connection_ip, '192.0.2.198');
  const b = parse(fixture('noreason')).sip;
  assert.equal(b.status_code, 100);
  assert.equal(b.reason_phrase, undefined);
});

void test('semiuri / transports / unkscm / regaut01', () => {
  assert.equal(parse(fixture('semiuri')).sip.request_uri_user, 'user;par=u@example.net');
  assert.deepEqual(
    parse(fixture('transports')).sip.via?.map((v) => v.transport),
    ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
  );
  const u = parse(fixture('unkscm')).sip;
  assert.equal(u.request_uri_scheme, 'nobodyknowsthisscheme');
  assert.equal(u.request_uri_user, undefined);
  assert.deepEqual(parse(fixture('regaut01')).sip.auth, { scheme: 'NoOneKnowsThisScheme', header: 'authorization' });
});

void test('IPv6 references (RFC 5118): brackets dropped, port kept apart', () => {
  const g = parse(fixture('ipv6-good')).sip;
  assert.equal(g.request_uri_host, '2001:db8::10');
  assert.equal(g.via?.[0]?.host, '2001:db8::9:1');
  assert.deepEqual(g.contact, [{ user: 'caller', host: '2001:db8::1' }]);
  assert.equal(parse(fixture('port-ambiguous')).sip.request_uri_host, '2001:db8::10:5070');
  const u = parseSipMessage(fixture('port-unambiguous'), 0, fixture('port-unambiguous').length);
  assert.equal(u.sip.request_uri_host, '2001:db8::10');
});

void test('realistic INVITE: every event field, credentials never kept', () => {
  const m = parse(invite());
  assert.deepEqual(m.anomalies, []);
  const s = m.sip;
  assert.equal(s.request_uri_user, '+4930123456');
  assert.deepEqual(s.via?.[1], {
    transport: 'TCP',
    host: '10.0.0.1',
    port: 5061,
    branch: 'z9hG4bK-abc',
    received: '203.0.113.5',
  });
  assert.deepEqual(s.contact, [{ user: '1001', host: '192.0.2.10', port: 5060 }]);
  assert.deepEqual(s.auth, {
    scheme: 'Digest',
    header: 'proxy-authorization',
    username: '1001',
    realm: 'sip.example.com',
    uri: 'sip:+4930123456@sip.example.com',
  });
  const json = JSON.stringify(s);
  for (const secret of ['6629fae49393a05397450978507c4ef1', '5f1e2d3c4b5a', '0a4f113b'])
    assert.ok(!json.includes(secret), secret);
  assert.equal(s.user_agent, 'Zoiper rv2.10.8.3');
  assert.deepEqual(s.sdp, {
    connection_ip: '192.0.2.101',
    origin_ip: '192.0.2.101',
    media: [{ type: 'audio', port: 49172, proto: 'RTP/AVP', codecs: ['PCMU', 'PCMA', 'G729', 'telephone-event'] }],
    has_crypto: false,
  });
  assert.equal(s.size, m.end - m.start);
});

void test('URI password is a credential: never emitted', () => {
  const m = parse(
    sip([
      'OPTIONS sip:alice:s3cret@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'To: <sip:a@b>',
      'From: <sip:bob:pw@b>;tag=1',
      'Call-ID: x',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
    ]),
  );
  assert.equal(m.sip.request_uri_user, 'alice');
  assert.equal(m.sip.from?.user, 'bob');
  assert.ok(!JSON.stringify({ ...m.sip, request_uri: undefined }).includes('s3cret'));
});

void test('compact forms and case-insensitive names', () => {
  const m = parse(
    sip([
      'REGISTER sip:example.com SIP/2.0',
      'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
      'f: <sip:a@example.com>;tag=1',
      't: <sip:a@example.com>',
      'i: abc',
      'CSEQ: 1 REGISTER',
      'max-forwards: 70',
      'm: <sip:a@192.0.2.1>;expires=60',
      'k: path',
      'o: presence',
      'r: <sip:c@example.com>',
      'b: <sip:d@example.com>',
      'x: 1800',
      'l: 0',
    ]),
  );
  assert.deepEqual(m.anomalies, []);
  assert.equal(m.sip.via?.[0]?.host, '192.0.2.1');
  assert.equal(m.sip.from?.tag, '1');
  assert.equal(m.sip.call_id, 'abc');
  assert.deepEqual(m.sip.contact, [{ user: 'a', host: '192.0.2.1', expires: 60 }]);
  assert.equal(m.sip.refer_to, 'sip:c@example.com');
  assert.equal(m.sip.content_length, 0);
});

void test('multi-value headers: Via, Contact, Route, Record-Route, PAI, Diversion, History-Info', () => {
  const m = parse(
    sip([
      'INVITE sip:b@example.com SIP/2.0',
      'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com:5070;branch=z9hG4bK2;rport=5071',
      'Via: SIP/2.0/TLS [2001:db8::5]:5061;branch=z9hG4bK3',
      'Max-Forwards: 70',
      'To: <sip:b@example.com>',
      'From: "Doe, John" <sip:a@example.com>;tag=9',
      'Call-ID: mv',
      'CSeq: 1 INVITE',
      'Contact: "x, y" <sip:c1@h1;a=b,c>;expires=10, <sip:c2@h2>',
      'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      'Record-Route: <sip:rr1;lr>',
      'Record-Route: <sip:rr2;lr>',
      'P-Asserted-Identity: "Alice, A" <sip:+15551234@example.com>, <tel:+15551234>',
      'P-Preferred-Identity: <sip:alice@example.com>',
      'Privacy: id',
      'Diversion: <sip:111@example.com>;reason=unconditional, <sip:222@example.com>;reason=user-busy',
      'History-Info: <sip:a@h>;index=1, <sip:b@h>;index=1.1',
      'History-Info: <sip:c@h>;index=1.2',
      'P-Charging-Vector: icid-value=1',
    ]),
  );
  assert.deepEqual(m.anomalies, []);
  const s = m.sip;
  assert.deepEqual(
    s.via?.map((v) => [v.host, v.port, v.branch, v.rport]),
    [
      ['a.example.com', undefined, 'z9hG4bK1', undefined],
      ['b.example.com', 5070, 'z9hG4bK2', 5071],
      ['2001:db8::5', 5061, 'z9hG4bK3', undefined],
    ],
  );
  assert.deepEqual(s.contact, [
    { user: 'c1', host: 'h1', expires: 10 },
    { user: 'c2', host: 'h2' },
  ]);
  assert.deepEqual(s.route, ['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
  assert.deepEqual(s.record_route, ['sip:rr1;lr', 'sip:rr2;lr']);
  assert.deepEqual(s.identity, {
    pai: [
      { display_name: 'Alice, A', user: '+15551234', host: 'example.com', scheme: 'sip' },
      { user: '+15551234', scheme: 'tel' },
    ],
    ppi: { user: 'alice', host: 'example.com', scheme: 'sip' },
    privacy: 'id',
    diversion: [
      { user: '111', host: 'example.com', scheme: 'sip' },
      { user: '222', host: 'example.com', scheme: 'sip' },
    ],
    history_info_count: 3,
  });
  assert.deepEqual(s.p_headers, ['P-Asserted-Identity', 'P-Preferred-Identity', 'P-Charging-Vector']);
  assert.equal(s.from?.display_name, 'Doe, John');
});

void test('tel URIs and Contact wildcard', () => {
  const m = parse(
    sip([
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'To: <tel:+1-201-555-0123;phone-context=example.com>',
      'From: <tel:+12015550123>;tag=1',
      'Call-ID: t',
      'CSeq: 3 REGISTER',
      'Max-Forwards: 70',
      'Contact: *',
      'Expires: 0',
    ]),
  );
  assert.deepEqual(m.anomalies, []);
  assert.deepEqual(m.sip.to, { user: '+1-201-555-0123', scheme: 'tel' });
  assert.deepEqual(m.sip.contact, [{ wildcard: true }]);
  assert.equal(m.sip.expires, 0);
});

void test('header folding in known and unknown headers', () => {
  const m = parse(
    sip([
      'OPTIONS sip:a@b SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'To: <sip:a@b>',
      'From:',
      '  "Folded"',
      '\t<sip:c@d>;tag=2',
      'Call-ID: f',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'User-Agent: One',
      '  Two',
    ]),
  );
  assert.deepEqual(m.anomalies, []);
  assert.deepEqual(m.sip.from, { user: 'c', host: 'd', display_name: 'Folded', tag: '2', scheme: 'sip' });
  assert.equal(m.sip.user_agent, 'One Two');
});

void test('multipart/mixed body: the application/sdp part is found by boundary', () => {
  const body = [
    '--unique-boundary-1',
    'Content-Type: application/sdp',
    '',
    'v=0',
    'o=- 1 1 IN IP6 2001:db8::1',
    's=-',
    'c=IN IP6 2001:db8::20',
    't=0 0',
    'm=audio 6000 RTP/SAVP 8',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
    '',
    '--unique-boundary-1',
    'Content-Type: application/ISUP; version=nxv3; base=etsi121',
    'Content-Disposition: signal; handling=optional',
    '',
    '\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x33\x63\x21\x43\x00\x00\x03\x06\x0d\x03\x80\x90\xa2\x07\x03\x10\x03\x63\x53\x00\x10\x0a\x07\x03\x10\x27\x80\x88\x99\x00\x00',
    '--unique-boundary-1--',
    '',
  ].join('\r\n');
  const m = parse(
    invite([], body).toString('latin1').includes('application/sdp')
      ? sip(
          [
            'INVITE sip:b@example.com SIP/2.0',
            'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
            'To: <sip:b@example.com>',
            'From: <sip:a@example.com>;tag=1',
            'Call-ID: mp',
            'CSeq: 1 INVITE',
            'Max-Forwards: 70',
            'Content-Type: multipart/mixed;boundary=unique-boundary-1',
          ],
          body,
        )
      : Buffer.alloc(0),
  );
  assert.deepEqual(m.anomalies, []);
  assert.equal(m.sip.content_type, 'multipart/mixed');
  assert.deepEqual(m.sip.sdp, {
    connection_ip: '2001:db8::20',
    origin_ip: '2001:db8::1',
    media: [{ type: 'audio', port: 6000, proto: 'RTP/SAVP', codecs: ['PCMA'] }],
    has_crypto: true,
  });
});

void test('body without Content-Type, SDP recognised anyway', () => {
  const b = sip(
    [
      'INVITE sip:b@h SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'To: <sip:b@h>',
      'From: <sip:a@h>;tag=1',
      'Call-ID: n',
      'CSeq: 1 INVITE',
      'Max-Forwards: 70',
    ],
    SDP_BODY,
  );
  const m = parse(b);
  assert.deepEqual(m.anomalies, ['body_without_content_type']);
  assert.equal(m.sip.sdp?.connection_ip, '192.0.2.101');
});

void test('Snort GID 140 classes: empty and oversize fields, bad start lines, framing', () => {
  const base = [
    'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
    'To: <sip:b@h>',
    'From: <sip:a@h>;tag=1',
    'Call-ID: c',
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
  ];
  const codes = (lines: string[], opts?: Parameters<typeof parseSipMessage>[3]): AnomalyCode[] =>
    parse(sip(lines), opts).anomalies;
  const long = 'x'.repeat(300);
  assert.deepEqual(codes(['OPTIONS sip:' + long + '@h SIP/2.0', ...base]), ['oversize_request_uri']);
  assert.deepEqual(
    codes(['OPTIONS sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('Call-ID')), 'Call-ID: ']),
    ['empty_call_id', 'missing_call_id'].filter((c) => c === 'empty_call_id') as AnomalyCode[],
  );
  assert.deepEqual(
    codes(['OPTIONS sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('Call-ID')), 'Call-ID: ' + long]),
    ['oversize_call_id'],
  );
  assert.deepEqual(
    codes([
      'OPTIONS sip:a@h SIP/2.0',
      ...base.filter((l) => !l.startsWith('From')),
      'From: <sip:' + long + '@h>;tag=1',
    ]),
    ['oversize_from'],
  );
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('To')), 'To:']), ['empty_to']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Contact: ']), ['empty_contact']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Contact: <sip:' + long + '@h>']), ['oversize_contact']);
  assert.deepEqual(
    codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Via: SIP/2.0/UDP ' + 'v'.repeat(1100) + ';branch=z9hG4bK2']),
    ['oversize_via'],
  );
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Via:']), ['empty_via']);
  assert.deepEqual(
    codes(['OPTIONS sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('CSeq')), 'CSeq: 4294967296 OPTIONS']),
    ['cseq_out_of_range'],
  );
  assert.deepEqual(
    codes(['OPTIONS sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('CSeq')), 'CSeq: x OPTIONS']),
    ['bad_cseq'],
  );
  assert.deepEqual(
    codes(['OPTIONS sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('Max-F')), 'Max-Forwards: -1']),
    ['bad_max_forwards'],
  );
  assert.deepEqual(codes(['FOO sip:a@h SIP/2.0', ...base.filter((l) => !l.startsWith('CSeq')), 'CSeq: 1 FOO']), [
    'unknown_method',
  ]);
  assert.deepEqual(codes(['OPTIONS  SIP/2.0', ...base]), ['bad_request_line', 'empty_request_uri']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/1.1', ...base]), ['bad_version']);
  assert.deepEqual(codes(['SIP/2.0 20 OK', ...base]), ['bad_status_code']);
  assert.deepEqual(codes(['SIP/2.0 2000 OK', ...base]), ['bad_status_code']);
  assert.deepEqual(codes(['SIP/2.0 200 OK', ...base.filter((l) => !l.startsWith('CSeq')), 'CSeq: 1 BOGUS']), [
    'unknown_method',
  ]);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Broken header line']), ['header_without_colon']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Bad Name: x']), ['bad_header_line']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Authorization: ']), ['bad_authorization']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Content-Length: 0'], { stream: true }), []);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base], { stream: true }), ['missing_content_length']);
  assert.deepEqual(codes(['OPTIONS sip:a@h SIP/2.0', ...base, 'Content-Length: 12x']), ['bad_content_length']);
});

void test('bare LF line ends are parsed and reported; NUL bytes reported', () => {
  const lf = Buffer.from(
    'OPTIONS sip:a@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nTo: <sip:b@h>\nFrom: <sip:a@h>;tag=1\nCall-ID: c\nCSeq: 1 OPTIONS\nMax-Forwards: 70\n\n',
  );
  const m = parse(lf);
  assert.deepEqual(m.anomalies, ['bare_lf']);
  assert.equal(m.sip.call_id, 'c');
  const nul = Buffer.from(
    'OPTIONS sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\x00d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n',
    'latin1',
  );
  assert.deepEqual(parse(nul).anomalies, ['nul_byte']);
});

void test('invalid UTF-8 in the head is reported; valid UTF-8 is decoded', () => {
  const bad = Buffer.concat([
    Buffer.from('OPTIONS sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: "'),
    Buffer.from([0xc3, 0x28, 0xff]),
    Buffer.from('" <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n'),
  ]);
  assert.deepEqual(parse(bad).anomalies, ['invalid_utf8']);
  assert.deepEqual(parse(fixture('unreason')).anomalies, []);
});

void test('truncated head: no empty line after the headers', () => {
  const b = Buffer.from(
    'OPTIONS sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPT',
  );
  const m = parse(b);
  assert.ok(m.anomalies.includes('truncated'));
  assert.ok(m.anomalies.includes('missing_max_forwards'));
});

void test('limits: one test per bound', () => {
  const head = [
    'OPTIONS sip:a@h SIP/2.0',
    'To: <sip:b@h>',
    'From: <sip:a@h>;tag=1',
    'Call-ID: c',
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
  ];
  // Via hops (maxVia 70)
  const vias = Array.from({ length: 100 }, (_, i) => `Via: SIP/2.0/UDP h${i};branch=z9hG4bK${i}`);
  const v = parse(sip([...head, ...vias]));
  assert.equal(v.sip.via?.length, 70);
  assert.ok(v.anomalies.includes('too_many_via'));
  const v2 = parse(
    sip([...head, 'Via: ' + Array.from({ length: 100 }, (_, i) => `SIP/2.0/UDP h${i};branch=z9hG4bK${i}`).join(',')]),
  );
  assert.equal(v2.sip.via?.length, 70);
  assert.ok(v2.anomalies.includes('too_many_via'));
  // header count (maxHeaders 256)
  const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
  const h = parse(sip([...head, 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', ...many]));
  assert.equal(h.headers.length, 256);
  assert.ok(h.anomalies.includes('too_many_headers'));
  // line length (maxLineBytes 8 KiB): the line is skipped, the rest parsed
  const l = parse(
    sip([...head, 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'X-Long: ' + 'a'.repeat(9000), 'User-Agent: after']),
  );
  assert.ok(l.anomalies.includes('oversize_header_line'));
  assert.equal(l.sip.user_agent, 'after');
  // message size (maxMessageBytes 64 KiB)
  const big = parse(
    sip([...head, 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Type: text/plain'], 'z'.repeat(70_000)),
  );
  assert.ok(big.anomalies.includes('oversize_message'));
  assert.ok(big.sip.size <= 64 * 1024);
  // configurable thresholds
  const small = parse(sip([...head, 'Via: SIP/2.0/UDP h;branch=z9hG4bK1']), { callIdLen: 0 });
  assert.deepEqual(small.anomalies, ['oversize_call_id']);
  // strings carried by the event are capped (maxUriBytes)
  const capped = parse(
    sip([
      ...head.filter((x) => !x.startsWith('Call-ID')),
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'Call-ID: ' + 'c'.repeat(5000),
    ]),
  );
  assert.equal(capped.sip.call_id?.length, 2048);
});

void test('never throws on degenerate input', () => {
  for (const s of [
    '',
    '\r\n',
    '\r\n\r\n',
    'SIP/2.0',
    'INVITE',
    ' ',
    ':',
    'INVITE sip:a SIP/2.0\r\n:\r\n \r\n\r\n',
    'SIP/2.0 200\r\n\r\n',
  ]) {
    const b = Buffer.from(s);
    const m = parse(b);
    assert.ok(Array.isArray(m.anomalies));
  }
  const b = Buffer.from('xxINVITE sip:a@b SIP/2.0\r\n\r\nyy');
  assert.doesNotThrow(() => parseSipMessage(b, 2, b.length - 2));
  assert.doesNotThrow(() => parseSipMessage(b, 10, 5));
  assert.doesNotThrow(() => parseSipMessage(b, -5, 1000));
});

void test('probeSip: accepts SIP start lines, rejects HTTP, SSDP and binary', () => {
  const yes = [
    'INVITE sip:a@b SIP/2.0\r\n',
    'SIP/2.0 200 OK\r\n',
    'SIP/2.0 100 \r\n',
    'FOO sip:a@b SIP/2.0\r\n',
    '\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\n',
    'OPTIONS sip:a@b SIP/7.0\r\n',
    'INVITE  sip:a@b  SIP/2.0\r\n',
  ];
  const no = [
    'GET / HTTP/1.1\r\n',
    'M-SEARCH * HTTP/1.1\r\n',
    'NOTIFY * HTTP/1.1\r\n',
    'HTTP/1.1 200 OK\r\n',
    '\x00\x01\x02\x03',
    'INVITE sip:a@b SIP/2.0',
    'INVITE\r\n',
    'SIP/2.0 OK\r\n',
    'INVITE sip:a@b HTTP/1.0\r\n',
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n',
  ];
  for (const s of yes) assert.equal(probeSip(Buffer.from(s, 'latin1'), 0, s.length), true, JSON.stringify(s));
  for (const s of no) assert.equal(probeSip(Buffer.from(s, 'latin1'), 0, s.length), false, JSON.stringify(s));
  for (const name of ['wsinv', 'intmeth', 'unreason', 'bigcode', 'ltgtruri']) {
    const b = fixture(name);
    assert.equal(probeSip(b, 0, b.length), true, name);
  }
});
