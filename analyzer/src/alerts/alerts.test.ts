import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertId } from './alert-id';
import { EvidenceRing, summarize } from './evidence';
import { register, responseTo, sipEvent } from '../engine/test-events';

void test('alert ids are deterministic, 32 hex, and differ by rule, group and suppress slot', () => {
  const a = alertId('SIP-AUTH-01', ['198.51.100.10', '1001'], 1_000_000, 300_000);
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.equal(a, alertId('SIP-AUTH-01', ['198.51.100.10', '1001'], 1_000_000, 300_000));
  assert.equal(a, alertId('SIP-AUTH-01', ['198.51.100.10', '1001'], 1_100_000, 300_000), 'same suppress slot');
  assert.notEqual(a, alertId('SIP-AUTH-01', ['198.51.100.10', '1001'], 1_300_000, 300_000));
  assert.notEqual(a, alertId('SIP-AUTH-02', ['198.51.100.10', '1001'], 1_000_000, 300_000));
  assert.notEqual(a, alertId('SIP-AUTH-01', ['198.51.100.10', '1002'], 1_000_000, 300_000));
  assert.notEqual(alertId('X', ['a', 'bc'], 0, 1), alertId('X', ['ab', 'c'], 0, 1), 'values are delimited');
});

void test('evidence summaries read like the SIP exchange', () => {
  const req = register(0, { callId: 'c', seq: 1 });
  assert.equal(summarize(req), 'REGISTER 203.0.113.7:5060 → 198.51.100.10:5060');
  assert.equal(summarize(responseTo(req, 0.1, 401)), 'REGISTER 198.51.100.10:5060 → 203.0.113.7:5060 401');
  const v6 = sipEvent({
    t: 0,
    src: '2001:db8::1',
    sip: { type: 'request', method: 'INVITE', request_uri_user: '00441' },
  });
  assert.equal(summarize(v6), 'INVITE 00441 [2001:db8::1]:5060 → 198.51.100.10:5060');
});

void test('the evidence ring keeps the last N in order', () => {
  const ring = new EvidenceRing(3);
  for (let i = 0; i < 5; i++) ring.push(register(i, { callId: `r${i}`, seq: 1 }));
  assert.deepEqual(
    ring.toArray().map((e) => e['@timestamp']),
    ['2026-01-01T00:00:02.000000Z', '2026-01-01T00:00:03.000000Z', '2026-01-01T00:00:04.000000Z'],
  );
});
