import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent } from '../../../schema/src/sip-event';
import { DetectionEngine } from './engine';
import { register, responseTo, run, signature, sipEvent } from './test-events';
import type { Signature } from './signature';

/** SIP-AUTH-01-like: failed digest answers to requests that carried credentials. */
/** The `where` of the INVITE-counting signatures below. */
const INVITES: Signature['where'] = { 'sip.type': 'request', 'sip.method': 'INVITE' };

const bruteForce: Signature = signature({
  kind: 'event_count',
  where: { 'sip.type': 'response', 'sip.status_code': [401, 403, 407], 'txn.request_has_auth': true },
  group_by: ['destination.ip', 'sip.to.user'],
  windowMs: 60_000,
  threshold: 10,
  suppressMs: 300_000,
});

/** `n` failed authenticated REGISTERs for 1001, one every `gap` seconds from `t0`. */
function failures(n: number, t0: number, gap = 1, src = '203.0.113.7'): SipEvent[] {
  const events: SipEvent[] = [];
  for (let i = 0; i < n; i++) {
    const req = register(t0 + i * gap, { src, callId: `bf-${src}-${t0}-${i}`, seq: 1, auth: true });
    events.push(req, responseTo(req, t0 + i * gap + 0.01, 401));
  }
  return events;
}

void test('event_count: a burst of failed authentications raises one incident with its final count', () => {
  const { emitted, finals } = run([bruteForce], failures(12, 0));
  assert.equal(finals.length, 1);
  const alert = finals[0];
  assert.ok(alert);
  assert.equal(alert.sipward.count, 12);
  assert.equal(alert.sipward.threshold, 10);
  assert.equal(alert.sipward.window_s, 60);
  assert.equal(alert.sipward.evidence.length, 7, 'first 4, the crossing one, the 2 after it');
  assert.equal(alert.event.code, 'SIP-TEST-01');
  assert.equal(alert.event.severity, 47);
  assert.deepEqual(alert.event.type, ['info', 'denied']);
  assert.equal(alert.event.outcome, 'failure');
  assert.equal(alert.source?.ip, '203.0.113.7', 'the requester is the source even on a response');
  assert.equal(alert.user?.name, '1001');
  assert.deepEqual(alert.threat?.tactic, { id: ['TA0006'], name: ['Credential Access'] });
  assert.equal(alert.event.start, '2026-01-01T00:00:00.010Z');
  assert.equal(alert.event.end, '2026-01-01T00:00:11.010Z');
  assert.equal(alert.sip?.method, 'REGISTER');
  assert.equal(alert.rule.ruleset, 'sipward-fs38');
  assert.match(alert.event.reason ?? '', /12 events ≥ threshold 10 in 60 s/);
  assert.equal(alert.message, 'SIP-TEST-01 test from 198.51.100.10 (12)');
  assert.deepEqual(
    emitted.map((e) => e.phase),
    ['open', 'update', 'update', 'final'],
    'one open (t=9), updates throttled to one per second of event time (t=10, t=11), one final',
  );
  assert.ok(emitted.every((e) => e.alert.event.id === alert.event.id));
});

void test('event_count: a 401 challenge followed by a successful retry is not a failure burst', () => {
  const events: SipEvent[] = [];
  for (let i = 0; i < 30; i++) {
    const t = i * 2;
    const first = register(t, { callId: `login-${i}`, seq: 1 });
    const retry = register(t + 0.1, { callId: `login-${i}`, seq: 2, auth: true });
    events.push(first, responseTo(first, t + 0.05, 401), retry, responseTo(retry, t + 0.15, 200));
  }
  assert.equal(run([bruteForce], events).finals.length, 0);
});

void test('event_count: the window slides — failures spread wider than the window stay quiet', () => {
  assert.equal(run([bruteForce], [...failures(9, 0), ...failures(1, 70)]).finals.length, 0);
  assert.equal(run([bruteForce], failures(10, 0, 6.5)).finals.length, 1, '10 failures over 58.5 s');
  assert.equal(run([bruteForce], failures(10, 0, 6.7)).finals.length, 0, '10 failures over 60.3 s');
});

void test('event_count: retransmissions are not counted by floods', () => {
  const flood = signature({ kind: 'event_count', where: INVITES, windowMs: 10_000, threshold: 5 });
  const invite = (t: number, callId: string): SipEvent =>
    sipEvent({
      t,
      sip: {
        type: 'request',
        method: 'INVITE',
        call_id: callId,
        cseq: { seq: 1, method: 'INVITE' },
        via: [{ host: 'x', branch: `z9hG4bK-${callId}` }],
      },
    });
  const resends = [0, 0.5, 1.5, 3.5, 7.5, 8, 8.5].map((t) => invite(t, 'same-call'));
  assert.equal(run([flood], resends).finals.length, 0);
  const distinct = [0, 1, 2, 3, 4].map((t) => invite(t, `call-${t}`));
  assert.equal(run([flood], distinct).finals.length, 1);
  const counting = { ...flood, count_retransmissions: true };
  assert.equal(run([counting], resends).finals.length, 1, 'opt-in counts resends');
});

void test('suppression: one alert per group per period, later evidence updates it, then a new incident', () => {
  const events = [...failures(15, 0), ...failures(10, 400)];
  const { emitted, finals } = run([bruteForce], events, { updateIntervalMs: 0 });
  assert.equal(finals.length, 2);
  assert.equal(finals[0]?.sipward.count, 15);
  assert.equal(finals[1]?.sipward.count, 10);
  assert.notEqual(finals[0]?.event.id, finals[1]?.event.id);
  assert.equal(emitted.filter((e) => e.phase === 'update').length, 5);
  // The first incident is finalised by event time (t=300+), before the second one opens.
  assert.deepEqual(
    emitted.map((e) => e.phase).filter((p) => p !== 'update'),
    ['open', 'final', 'open', 'final'],
  );
  assert.equal(run([bruteForce], events, { emitUpdates: false }).emitted.filter((e) => e.phase === 'update').length, 0);
});

void test('determinism: the same input twice gives identical alerts and ids', () => {
  const events = [...failures(15, 0), ...failures(12, 500, 1, '203.0.113.8')];
  const a = run([bruteForce], events).finals;
  const b = run([bruteForce], events).finals;
  assert.equal(a.length, 2);
  assert.deepEqual(a, b);
  assert.match(a[0]?.event.id ?? '', /^[0-9a-f]{32}$/);
});

void test('stateless: every match is evidence, one incident per group', () => {
  const sig = signature({
    kind: 'stateless',
    where: { 'sip.user_agent': { ci_contains: ['friendly-scanner'] } },
    suppressMs: 60_000,
  });
  const events = [0, 1, 2].map((t) => register(t, { callId: `s${t}`, seq: 1 }));
  events.push(register(3, { src: '203.0.113.99', callId: 'other', seq: 1 }));
  const { finals } = run([sig], events);
  assert.equal(finals.length, 2);
  assert.equal(finals[0]?.sipward.count, 3);
  assert.equal(finals[0]?.sipward.threshold, undefined);
});

void test('value_count: distinct values per group within the window', () => {
  const sig = signature({
    kind: 'value_count',
    field: 'sip.to.user',
    where: { 'sip.type': 'response', 'sip.status_code': 404 },
    group_by: ['destination.ip'],
    windowMs: 120_000,
    threshold: 20,
  });
  const probes = (n: number, repeat = 1): SipEvent[] => {
    const out: SipEvent[] = [];
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < repeat; r++) {
        const req = register(i + r * 0.1, { user: String(100 + i), callId: `e${i}-${r}`, seq: 1 });
        out.push(req, responseTo(req, i + r * 0.1 + 0.01, 404));
      }
    }
    return out;
  };
  assert.equal(run([sig], probes(19, 3)).finals.length, 0, '19 users probed three times each');
  const { finals } = run([sig], probes(25));
  assert.equal(finals.length, 1);
  assert.equal(finals[0]?.sipward.count, 25);
});

void test('ratio: error share per target with a minimum of events', () => {
  const sig = signature({
    kind: 'ratio',
    where: { 'sip.type': 'response', 'sip.cseq.method': 'INVITE', 'sip.status_code': { gte: 200 } },
    numerator: { 'sip.status_code': [500, 503] },
    denominator: { 'sip.status_code': { gte: 200 } },
    min_events: 10,
    group_by: ['source.ip'],
    windowMs: 60_000,
    threshold: 0.5,
  });
  const answers = (statuses: number[]): SipEvent[] =>
    statuses.flatMap((status, i) => {
      const req = sipEvent({
        t: i,
        sip: { type: 'request', method: 'INVITE', call_id: `r${i}`, cseq: { seq: 1, method: 'INVITE' } },
      });
      return [req, responseTo(req, i + 0.5, status)];
    });
  assert.equal(run([sig], answers([503, 503, 503, 503, 503])).finals.length, 0, 'below min_events');
  assert.equal(run([sig], answers([200, 200, 200, 200, 200, 200, 200, 503, 503, 503, 503])).finals.length, 0);
  const { finals } = run([sig], answers([200, 200, 200, 200, 503, 503, 503, 503, 503, 503, 503]));
  assert.equal(finals.length, 1);
  assert.equal(finals[0]?.sipward.count, 7);
});

void test('sequence: a failure burst then a success (SIP-AUTH-03)', () => {
  const sig = signature({
    kind: 'sequence',
    where: { 'sip.type': 'response', 'txn.request_has_auth': true },
    steps: [
      { where: { 'sip.status_code': [401, 403] }, min_count: 5 },
      { where: { 'sip.status_code': 200 }, min_count: 1 },
    ],
    group_by: ['destination.ip', 'sip.to.user'],
    windowMs: 300_000,
  });
  const success = (t: number): SipEvent[] => {
    const req = register(t, { callId: `ok-${t}`, seq: 1, auth: true });
    return [req, responseTo(req, t + 0.01, 200)];
  };
  const hit = run([sig], [...failures(6, 0), ...success(10)]).finals;
  assert.equal(hit.length, 1);
  assert.deepEqual(hit[0]?.event.type, ['info', 'allowed']);
  assert.equal(hit[0]?.event.outcome, 'success');
  assert.equal(run([sig], [...failures(3, 0), ...success(10)]).finals.length, 0, 'too few failures');
  assert.equal(run([sig], [...success(0), ...failures(6, 1)]).finals.length, 0, 'wrong order');
  assert.equal(run([sig], [...failures(6, 0), ...success(400)]).finals.length, 0, 'success after the window');
});

void test('half_open: INVITEs left without a final response past the timeout', () => {
  const sig = signature({ kind: 'half_open', where: INVITES, timeoutMs: 32_000, windowMs: 60_000, threshold: 5 });
  const invites = (n: number, answer?: number): SipEvent[] =>
    Array.from({ length: n }, (_, i) => {
      const req = sipEvent({
        t: i,
        sip: {
          type: 'request',
          method: 'INVITE',
          call_id: `h${i}`,
          cseq: { seq: 1, method: 'INVITE' },
          via: [{ branch: `z9hG4bK-h${i}` }],
        },
      });
      return answer === undefined ? [req, responseTo(req, i + 0.1, 100)] : [req, responseTo(req, i + 0.1, answer)];
    }).flat();
  const later = sipEvent({ t: 100, src: '192.0.2.1', sip: { type: 'request', method: 'OPTIONS' } });
  const { finals } = run([sig], [...invites(6), later]);
  assert.equal(finals.length, 1);
  assert.equal(finals[0]?.sipward.count, 6);
  assert.equal(run([sig], [...invites(6, 486), later]).finals.length, 0, 'answered');
  assert.equal(run([sig], invites(6)).finals.length, 0, 'capture ended before the timeout');
});

void test('deprecated signatures are loaded but never run', () => {
  const sig = signature({ kind: 'stateless', where: { 'sip.type': 'request' }, status: 'deprecated' });
  assert.equal(run([sig], [register(0, { callId: 'd', seq: 1 })]).finals.length, 0);
});

void test('advance() ends incidents on a quiet link without another event', () => {
  const phases: string[] = [];
  const engine = new DetectionEngine([bruteForce], { onAlert: (_a, phase) => phases.push(phase) });
  for (const event of failures(10, 0)) engine.process(event);
  assert.deepEqual(phases, ['open']);
  engine.advance(Date.parse('2026-01-01T00:04:00Z'));
  assert.deepEqual(phases, ['open']);
  engine.advance(Date.parse('2026-01-01T00:06:00Z'));
  assert.deepEqual(phases, ['open', 'final']);
  engine.flush();
  assert.deepEqual(phases, ['open', 'final']);
  assert.deepEqual(engine.stats().alertsByRule, { 'SIP-TEST-01': 1 });
});
