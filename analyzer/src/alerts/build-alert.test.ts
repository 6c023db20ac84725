import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent } from '../../../schema/src/sip-event';
import { compileTemplate } from '../engine/compile/compile';
import { emptyEnrichment } from '../engine/enrich/enrichment';
import { register, responseTo, run, signature, sipEvent } from '../engine/test-events';
import type { Signature } from '../engine/signature';

/** SIP-AUTH-01's shape: grouped on the failure responses (requester = their destination). */
const bruteForce: Signature = signature({
  kind: 'event_count',
  where: { 'sip.type': 'response', 'sip.status_code': [401, 403, 407], 'txn.request_has_auth': true },
  group_by: ['destination.ip', 'source.ip', 'sip.from.user'],
  windowMs: 60_000,
  threshold: 10,
  suppressMs: 300_000,
});

function failures(n: number, t0 = 0): SipEvent[] {
  const events: SipEvent[] = [];
  for (let i = 0; i < n; i++) {
    const req = register(t0 + i, { callId: `bf-${i}`, seq: 1, auth: true });
    const res = responseTo(req, t0 + i + 0.01, 401);
    res.sip.raw = `SIP/2.0 401 Unauthorized\r\nCall-ID: bf-${i}\r\n\r\n`;
    events.push(req, res);
  }
  return events;
}

void test('sipward.group names the attacker as source when the grouping event is a response', () => {
  const [alert] = run([bruteForce], failures(12)).finals;
  assert.ok(alert);
  assert.deepEqual(alert.sipward.group, {
    'source.ip': '203.0.113.7',
    'destination.ip': '198.51.100.10',
    'sip.from.user': '1001',
  });
  assert.equal(alert.source?.ip, '203.0.113.7');
  assert.equal(alert.destination?.ip, '198.51.100.10');
});

void test('evidence: the first events, the crossing one and the last, each with its text and endpoints', () => {
  const [alert] = run([bruteForce], failures(16)).finals;
  assert.ok(alert);
  const evidence = alert.sipward.evidence;
  assert.deepEqual(
    evidence.map((e) => e.role),
    ['first', 'first', 'first', 'first', 'threshold', 'last', 'last', 'last', 'last', 'last'],
  );
  assert.match(evidence[4]?.raw ?? '', /^SIP\/2.0 401 Unauthorized\r\nCall-ID: bf-9\r\n/, 'the 10th failure crossed');
  assert.match(evidence[0]?.raw ?? '', /Call-ID: bf-0\r\n/);
  assert.match(evidence[9]?.raw ?? '', /Call-ID: bf-15\r\n/);
  assert.deepEqual(evidence[0]?.source, { ip: '198.51.100.10', port: 5060 }, 'as captured: the 401 left the registrar');
  assert.equal(evidence[0]?.transport, 'udp');
  assert.equal(alert.sipward.count, 16);
});

void test('aggregates cover the whole incident, before and after the crossing', () => {
  const [alert] = run([bruteForce], failures(15)).finals;
  const agg = alert?.sipward.aggregates;
  assert.ok(agg);
  assert.deepEqual(agg['source.ip']?.top, [{ value: '203.0.113.7', count: 15 }]);
  assert.equal(agg['sip.call_id']?.distinct, 15);
  assert.equal(agg['user.name']?.top[0]?.value, '1001');
  assert.equal(
    agg['user_agent.original']?.top[0]?.value,
    'friendly-scanner',
    "the requester's UA, from the transaction",
  );
  assert.equal(agg['source.ip']?.first_seen, '2026-01-01T00:00:00.010000Z');
  assert.equal(agg['source.ip']?.last_seen, '2026-01-01T00:00:14.010000Z');
  assert.deepEqual(
    alert?.sipward.call_ids,
    Array.from({ length: 15 }, (_, i) => `bf-${i}`),
  );
});

void test('a sweep over many targets names no single destination; aggregates and related.ip list them', () => {
  const sweep = signature({
    kind: 'value_count',
    where: { 'sip.type': 'request', 'sip.method': 'OPTIONS' },
    field: 'destination.ip',
    group_by: ['source.ip'],
    windowMs: 60_000,
    threshold: 5,
  });
  const events = Array.from({ length: 12 }, (_, i) =>
    sipEvent({ t: i, dst: `198.51.100.${i + 1}`, sip: { type: 'request', method: 'OPTIONS', call_id: `o${i}` } }),
  );
  const [alert] = run([sweep], events).finals;
  assert.ok(alert);
  assert.equal(alert.destination, undefined, 'one of twelve targets would mislead');
  assert.equal(alert.source?.ip, '203.0.113.7');
  assert.equal(alert.sipward.aggregates?.['destination.ip']?.distinct, 12);
  for (let i = 1; i <= 12; i++) assert.ok(alert.related?.ip?.includes(`198.51.100.${i}`));
  assert.equal(alert.sip?.['call_id'], undefined, 'twelve dialogs: no single Call-ID');
});

void test('an incident over many users names no single user; related.user lists every one', () => {
  const tool = signature({
    kind: 'stateless',
    where: { 'sip.user_agent': 'friendly-scanner' },
    group_by: ['source.ip'],
  });
  const events = ['100', '101', '102'].map((user, i) => register(i, { user, callId: `u${i}`, seq: 1 }));
  const [alert] = run([tool], events).finals;
  assert.ok(alert);
  assert.equal(alert.user, undefined);
  assert.deepEqual([...(alert.related?.user ?? [])].sort(), ['100', '101', '102']);
  assert.equal(alert.sipward.aggregates?.['user.name']?.distinct, 3);
});

void test('every Call-ID an incident counts is reported as it is counted', () => {
  const links: Array<[string, string]> = [];
  const { finals } = run([bruteForce], failures(13), { onIncidentCall: (id, callId) => links.push([id, callId]) });
  const alert = finals[0];
  assert.ok(alert);
  assert.deepEqual(
    links.map(([, c]) => c),
    Array.from({ length: 13 }, (_, i) => `bf-${i}`),
  );
  assert.ok(links.every(([id]) => id === alert.event.id));
});

void test('message templates: optional parts drop out, absent values never print "?"', () => {
  const render = compileTemplate(
    'asserts[[ PAI {sip.identity.pai.user}]][[ PPI {sip.identity.ppi.user}]] from {sip.server}',
  );
  const vars = { 'rule.id': 'X', 'rule.name': 'x', count: 1, threshold: undefined, window_s: undefined };
  const e = sipEvent({ t: 0, sip: { type: 'request', identity: { pai: [{ user: '+4420' }] } } });
  assert.equal(render(e, emptyEnrichment(), vars), 'asserts PAI +4420 from (none)');
});
