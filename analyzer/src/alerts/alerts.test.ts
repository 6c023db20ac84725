import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertId } from './alert-id';
import { EvidenceRing, partsOf, summaryOf } from './evidence';
import type { SipEvent } from '../../../schema/src/sip-event';
import { register, responseTo, sipEvent } from '../engine/test-events';

/** The summary line an evidence item of this event carries. */
function summarize(event: SipEvent): string {
  return summaryOf(partsOf(event, undefined, false));
}

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

void test('the evidence ring keeps the first events with their text and the facts of the last N', () => {
  const ring = new EvidenceRing(3);
  for (let i = 0; i < 6; i++) {
    const e = register(i, { callId: `r${i}`, seq: 1 });
    e.sip.raw = `REGISTER sip:x SIP/2.0\r\nCall-ID: r${i}\r\n\r\n`;
    ring.push(e);
  }
  const sample = ring.sample();
  assert.deepEqual(
    sample.first.map((p) => p.callId),
    ['r0', 'r1', 'r2', 'r3'],
  );
  assert.ok(
    sample.first.every((p) => p.raw?.startsWith('REGISTER') === true),
    'the first ones keep their text',
  );
  assert.deepEqual(
    sample.tallied.map((p) => p.callId),
    ['r3', 'r4', 'r5'],
  );
  assert.ok(
    sample.tallied.every((p) => p.raw === undefined),
    'the tally holds no message text',
  );
});

void test('the evidence ring keeps the newest facts when told to, and stays in order through a flood', () => {
  const ring = new EvidenceRing(3);
  for (let i = 0; i < 5; i++) ring.push(register(i, { callId: `r${i}`, seq: 1 }));
  ring.keepNewest(1);
  assert.deepEqual(
    ring.sample().tallied.map((p) => p.callId),
    ['r4'],
  );
  for (let i = 5; i < 100; i++) ring.push(register(i, { callId: `r${i}`, seq: 1 }));
  assert.deepEqual(
    ring.sample().tallied.map((p) => p.callId),
    ['r97', 'r98', 'r99'],
  );
  assert.equal(ring.tallied, 3);
  ring.keepNewest(0);
  assert.deepEqual(ring.sample().tallied, []);
  assert.deepEqual(
    ring.sample().first.map((p) => p.callId),
    ['r0', 'r1', 'r2', 'r3'],
    'the first events stay',
  );
});

void test('summaries never print a "?" placeholder', () => {
  const bare = sipEvent({ t: 0, sip: { type: 'response' } });
  assert.equal(summarize(bare), 'response 203.0.113.7:5060 → 198.51.100.10:5060 without status');
  assert.equal(
    summarize(sipEvent({ t: 0, sip: { type: 'request' } })),
    'request 203.0.113.7:5060 → 198.51.100.10:5060',
  );
});
