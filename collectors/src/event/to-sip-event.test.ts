//! toSipEvent: docs/contracts.md "SIP event" shape from a parsed message and packet meta; timestamps,
//! omitted fields, optional header list without credentials. Run: npx tsx --test collectors/src/event/to-sip-event.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../sip/parser';
import { fixture, invite } from '../sip/test-helpers';
import { formatTimestamp, toSipEvent, type SipEventMeta } from './to-sip-event';
import { eventIdFor } from './event-id';
import { toJsonLine } from './jsonl';

const META: SipEventMeta = {
  tsSec: 1795884884,
  tsNsec: 123456789,
  srcIp: '192.0.2.10',
  dstIp: '2001:db8::1',
  srcPort: 5060,
  dstPort: 5062,
  protocol: 'udp',
  vlan: [],
  tunnel: [],
};

void test('formatTimestamp: microseconds, UTC, cached per second', () => {
  assert.equal(formatTimestamp(1795884884, 123456789), '2026-11-28T16:54:44.123456Z');
  assert.equal(formatTimestamp(1795884884, 999), '2026-11-28T16:54:44.000000Z');
  assert.equal(formatTimestamp(1795884884, 999_999_999), '2026-11-28T16:54:44.999999Z');
  assert.equal(formatTimestamp(0, 0), '1970-01-01T00:00:00.000000Z');
  assert.equal(formatTimestamp(1795884885, 5000), '2026-11-28T16:54:45.000005Z');
  for (const sec of [951782400, 1709210096, 4102444799]) {
    assert.equal(formatTimestamp(sec, 0), new Date(sec * 1000).toISOString().replace('.000Z', '.000000Z'));
  }
});

void test('INVITE event: required paths present, deterministic id, no credentials', () => {
  const b = invite();
  const m = parseSipMessage(b, 0, b.length);
  const e = toSipEvent(m, META, { transport: 'udp', observerId: 'sensor-1' });
  assert.equal(e['@timestamp'], '2026-11-28T16:54:44.123456Z');
  assert.deepEqual(e.event, { id: eventIdFor(META, b, 0, b.length), kind: 'event', dataset: 'sipward.sip' });
  assert.match(e.event.id, /^[0-9a-f]{16}$/);
  assert.deepEqual(e.observer, { id: 'sensor-1' });
  assert.deepEqual(e.source, { ip: '192.0.2.10', port: 5060 });
  assert.deepEqual(e.destination, { ip: '2001:db8::1', port: 5062 });
  assert.deepEqual(e.network, { transport: 'udp', protocol: 'sip' });
  assert.equal(e.sip.type, 'request');
  assert.equal(e.sip.method, 'INVITE');
  assert.equal(e.sip.call_id, 'a84b4c76e66710@192.0.2.10');
  assert.deepEqual(e.sip.cseq, { seq: 2, method: 'INVITE' });
  assert.equal(e.sip.from?.user, '1001');
  assert.equal(e.sip.to?.user, '+4930123456');
  assert.equal(e.sip.via?.length, 2);
  assert.equal(e.sip.sdp?.media.length, 1);
  assert.equal(e.sip.headers, undefined);
  const line = toJsonLine(e);
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  for (const secret of ['6629fae49393a05397450978507c4ef1', '5f1e2d3c4b5a', '0a4f113b'])
    assert.ok(!line.includes(secret));
  assert.deepEqual(JSON.parse(line), e);
});

void test('omitted, never empty: no empty strings or arrays anywhere in the event', () => {
  for (const name of ['wsinv', 'insuf', 'bigcode', 'ltgtruri', 'unkscm', 'badinv01', 'noreason', 'escnull']) {
    const b = fixture(name);
    const e = toSipEvent(parseSipMessage(b, 0, b.length), META, {
      transport: 'tcp',
      observerId: '',
      interfaceName: '',
    });
    assert.equal(e.observer, undefined);
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string')
        assert.ok(v.length > 0 || path.endsWith('.display_name'), `empty string at ${path} (${name})`);
      else if (Array.isArray(v)) {
        assert.ok(v.length > 0, `empty array at ${path} (${name})`);
        v.forEach((x, i) => walk(x, `${path}[${i}]`));
      } else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
      else assert.notEqual(v, undefined, path);
    };
    walk(JSON.parse(JSON.stringify(e)), name);
  }
});

void test('live capture meta, VLAN and tunnel; precomputed event id', () => {
  const b = fixture('esc01');
  const meta: SipEventMeta = { ...META, vlan: [100, 200], tunnel: ['vxlan'] };
  const e = toSipEvent(parseSipMessage(b, 0, b.length), meta, {
    transport: 'udp',
    interfaceName: 'eth1',
    eventId: 'abc',
  });
  assert.equal(e.event.id, 'abc');
  assert.deepEqual(e.observer, { ingress: { interface: { name: 'eth1' } } });
  assert.deepEqual(e.network.vlan, [{ id: 100 }, { id: 200 }]);
  assert.deepEqual(e.network.tunnel, ['vxlan']);
});

void test('withHeaders: every header in order, compact names normalised, credentials redacted', () => {
  const b = invite([
    'Authorization: Digest username="bob", realm="r", nonce="n0nce", response="r3sp0nse"',
    'v: SIP/2.0/UDP c;branch=z9hG4bK9',
  ]);
  const e = toSipEvent(parseSipMessage(b, 0, b.length), META, { transport: 'udp', withHeaders: true });
  const names = e.sip.headers?.map(([n]) => n) ?? [];
  assert.deepEqual(names.slice(0, 3), ['Via', 'Via', 'Max-Forwards']);
  assert.ok(names.includes('Proxy-Authorization') && names.includes('Authorization'));
  assert.equal(names.filter((n) => n === 'Via').length, 3);
  const json = JSON.stringify(e);
  for (const secret of ['n0nce', 'r3sp0nse', '6629fae49393a05397450978507c4ef1', '5f1e2d3c4b5a'])
    assert.ok(!json.includes(secret), secret);
  const pa = e.sip.headers?.find(([n]) => n === 'Proxy-Authorization');
  assert.deepEqual(pa, [
    'Proxy-Authorization',
    'Digest username="1001", realm="sip.example.com", uri="sip:+4930123456@sip.example.com"',
  ]);
  assert.deepEqual(
    e.sip.headers?.find(([n]) => n === 'Authorization'),
    ['Authorization', '[redacted]'],
  );
  // The message object itself is untouched.
  const again = parseSipMessage(b, 0, b.length);
  assert.equal(again.sip.headers, undefined);
});

void test('UTF-8 in headers survives the ASCII fast path', () => {
  const b = fixture('unreason');
  const m = parseSipMessage(b, 0, b.length);
  const ascii = invite();
  parseSipMessage(ascii, 0, ascii.length); // another message parsed in between
  const e = toSipEvent(m, META, { transport: 'udp', withHeaders: true });
  assert.equal(e.sip.reason_phrase, '= 2**3 * 5**2 но сто девяносто девять - простое');
});
