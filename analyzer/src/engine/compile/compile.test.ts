import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePredicate, compileTemplate, SpecError } from './compile';
import { emptyEnrichment } from '../enrich/enrichment';
import { sipEvent } from '../test-events';
import type { PredicateSpec } from '../signature';

const invite = sipEvent({
  t: 0,
  src: '10.1.2.3',
  dst: '2001:db8::1',
  sip: {
    type: 'request',
    method: 'INVITE',
    user_agent: 'Friendly-Scanner 1.0',
    request_uri_user: '0044123',
    via: [{ host: 'a.example', branch: 'z9hG4bK1' }, { host: '192.168.1.9' }],
    contact: [
      { user: 'x', host: 'h1' },
      { user: 'y', host: 'h2', expires: 0 },
    ],
    anomalies: ['oversize_request_uri', 'content_length_mismatch'],
    max_forwards: 70,
  },
});
const txn = emptyEnrichment();
const check = (spec: PredicateSpec): boolean => compilePredicate(spec, ['where'])(invite, txn);

void test('scalar and list equality, numbers and strings alike', () => {
  assert.equal(check({ 'sip.method': 'INVITE' }), true);
  assert.equal(check({ 'sip.method': 'REGISTER' }), false);
  assert.equal(check({ 'sip.method': ['REGISTER', 'INVITE'] }), true);
  assert.equal(check({ 'sip.max_forwards': '70' }), true);
  assert.equal(check({ 'sip.request_uri_user': 44123 }), false);
  assert.equal(check({ 'sip.method': { equals: ['invite'] } }), false);
});

void test('case-insensitive contains, prefix, equals and named-list membership', () => {
  assert.equal(check({ 'sip.user_agent': { ci_contains: ['friendly-scanner'] } }), true);
  assert.equal(check({ 'sip.user_agent': { ci_contains: ['sipcli'] } }), false);
  assert.equal(check({ 'sip.request_uri_user': { ci_prefix: ['00', '011'] } }), true);
  assert.equal(check({ 'sip.method': { ci_equals: ['invite'] } }), true);
  assert.equal(check({ 'sip.method': { list: ['Invite'] } }), true);
});

void test('cidr and not_cidr for v4 and v6; absent fields match neither', () => {
  assert.equal(check({ 'source.ip': { cidr: ['10.0.0.0/8'] } }), true);
  assert.equal(check({ 'source.ip': { cidr: ['10.1.2.4/32', '172.16.0.0/12'] } }), false);
  assert.equal(check({ 'source.ip': { not_cidr: ['192.168.0.0/16'] } }), true);
  assert.equal(check({ 'destination.ip': { cidr: ['2001:db8::/32'] } }), true);
  assert.equal(check({ 'destination.ip': { cidr: ['2001:db9::/32'] } }), false);
  assert.equal(check({ 'destination.ip': { not_cidr: ['::/0'] } }), false);
  assert.equal(check({ 'sip.via.received': { cidr: ['0.0.0.0/0'] } }), false);
  assert.equal(check({ 'sip.via.received': { not_cidr: ['10.0.0.0/8'] } }), false);
  assert.equal(check({ 'sip.via.host': { cidr: ['192.168.0.0/16'] } }), true);
});

void test('numeric ranges and lengths', () => {
  assert.equal(check({ 'sip.max_forwards': { gte: 70, lte: 70 } }), true);
  assert.equal(check({ 'sip.max_forwards': { gt: 70 } }), false);
  assert.equal(check({ 'sip.max_forwards': { lt: 71 } }), true);
  assert.equal(check({ 'sip.user_agent': { len_gte: 20 } }), true);
  assert.equal(check({ 'sip.user_agent': { len_lte: 5 } }), false);
  assert.equal(check({ 'sip.anomalies': { len_gte: 2 } }), true);
});

void test('exists, any_of, not; arrays fan out and index', () => {
  assert.equal(check({ 'sip.auth': { exists: false } }), true);
  assert.equal(check({ 'sip.user_agent': { exists: true } }), true);
  assert.equal(check({ 'sip.anomalies': { any_of: ['oversize_request_uri'] } }), true);
  assert.equal(check({ 'sip.anomalies': { any_of: ['bad_version'] } }), false);
  assert.equal(check({ 'sip.method': { not: 'REGISTER' } }), true);
  assert.equal(check({ 'sip.auth.username': { not: 'x' } }), true);
  assert.equal(check({ 'sip.contact.expires': 0 }), true);
  assert.equal(check({ 'sip.via.0.host': 'a.example' }), true);
  assert.equal(check({ 'sip.via.1.host': 'a.example' }), false);
  assert.equal(check({ 'sip.contact.user': 'y' }), true);
});

void test('any / all / not combinators and txn fields', () => {
  assert.equal(check({ any: [{ 'sip.method': 'REGISTER' }, { 'sip.method': 'INVITE' }] }), true);
  assert.equal(check({ all: [{ 'sip.method': 'INVITE' }, { 'source.ip': '10.9.9.9' }] }), false);
  assert.equal(check({ not: { 'sip.method': 'INVITE' } }), false);
  assert.equal(check({ 'txn.retransmission': false }), true);
  assert.equal(check({ 'txn.request_has_auth': { not: true } }), true);
});

void test('bad specs throw SpecError with the path', () => {
  assert.throws(
    () => compilePredicate({ 'sip.method': { regex: 'x' } }, ['where']),
    (e: unknown) => e instanceof SpecError && e.path.join('.') === 'where.sip.method.regex',
  );
  assert.throws(
    () => compilePredicate({ 'source.ip': { cidr: ['10.0.0.0/33'] } }, ['where']),
    (e: unknown) => e instanceof SpecError && /bad CIDR/.test(e.message),
  );
  assert.throws(() => compilePredicate({ 'sipp.method': 'x' }, ['where']), /unknown field root/);
});

void test('message templates render event, txn and incident values', () => {
  const render = compileTemplate(
    '{rule.id} {sip.method} from {source.ip} to {sip.via.host} ({count}/{threshold}) {sip.nope}',
  );
  assert.equal(
    render(invite, txn, { 'rule.id': 'SIP-X-01', 'rule.name': 'n', count: 3, threshold: 2, window_s: 1 }),
    'SIP-X-01 INVITE from 10.1.2.3 to a.example (3/2) (none)',
  );
});

void test('ci_contains: ASCII fast path agrees with lower-case substring search, non-ASCII keeps toLowerCase semantics', () => {
  const needles = ['union select', '%n', '<script', "' or '1'='1", 'jndi:'];
  const values = [
    'Mozilla UNION  select',
    'x UNION SELECT * from users',
    'ua %N here',
    'plain user agent',
    '<ScRiPt>alert(1)</script>',
    "admin' OR '1'='1",
    '${JNDI:ldap://x}',
    'Ünïcode UNION SELECT',
    'Ünïcode only',
    '',
    '%',
  ];
  const matcher = compilePredicate({ 'sip.user_agent': { ci_contains: needles } }, ['where']);
  let matched = 0;
  for (const value of values) {
    const expected = needles.some((n) => value.toLowerCase().includes(n.toLowerCase()));
    const event = { ...invite, sip: { ...invite.sip, user_agent: value } };
    assert.equal(matcher(event, txn), expected, value);
    if (expected) matched++;
  }
  assert.equal(matched, 6); // both outcomes are exercised
});

void test('same_as / differs_from compare two fields of the event (absent = no match)', () => {
  const ev = {
    ...invite,
    sip: { ...invite.sip, auth: { username: '1003' }, from: { ...invite.sip.from, user: '1001' } },
  };
  const p = (spec: PredicateSpec): boolean => compilePredicate(spec, ['where'])(ev as typeof invite, txn);
  assert.equal(p({ 'sip.auth.username': { differs_from: 'sip.from.user' } }), true);
  assert.equal(p({ 'sip.auth.username': { same_as: 'sip.from.user' } }), false);
  assert.equal(p({ 'sip.from.user': { same_as: 'sip.from.user' } }), true);
  assert.equal(p({ 'sip.sdp.connection_ip': { differs_from: 'sip.from.user' } }), false);
  assert.throws(
    () => compilePredicate({ 'sip.auth.username': { differs_from: 'nowhere.x' } }, ['where']),
    /unknown field root/,
  );
});
