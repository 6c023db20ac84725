import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent } from '../../../../schema/src/sip-event';
import { responseTo, run, signature, sipEvent } from '../test-events';
import type { Signature } from '../signature';

/** SIP-DOS-01-like INVITE flood per source, escalated when the target answers 5xx. */
const flood: Signature = signature({
  kind: 'event_count',
  where: { 'sip.type': 'request', 'sip.method': 'INVITE' },
  group_by: ['source.ip'],
  windowMs: 10_000,
  threshold: 10,
  escalate: [
    {
      severity: 'critical',
      when: { 'sip.type': 'response', 'sip.status_code': { gte: 500, lt: 600 } },
      group_by: ['destination.ip'],
      reason: 'the target answers the flood with 5xx',
    },
  ],
});

function invites(n: number, t0 = 0, src = '203.0.113.7'): SipEvent[] {
  return Array.from({ length: n }, (_, i) =>
    sipEvent({ t: t0 + i * 0.1, src, sip: { type: 'request', method: 'INVITE', call_id: `f-${t0}-${i}` } }),
  );
}

void test('escalation: a flood the target answers with 503 becomes critical, with the reason', () => {
  const flooding = invites(20);
  const answered = responseTo(flooding[15] as SipEvent, 1.6, 503);
  const { finals } = run([flood], [...flooding, answered]);
  assert.equal(finals.length, 1);
  assert.equal(finals[0]?.event.severity, 99);
  assert.equal(finals[0]?.event.risk_score, 99);
  assert.match(finals[0]?.event.reason ?? '', /escalated to critical: the target answers the flood with 5xx/);
});

void test('escalation: without impact the flood keeps its severity; 5xx to someone else changes nothing', () => {
  const flooding = invites(20);
  const other = invites(1, 0, '198.18.0.9')[0] as SipEvent;
  const { finals } = run([flood], [...flooding, other, responseTo(other, 1.7, 503)]);
  assert.deepEqual(
    finals.map((a) => [a.source?.ip, a.event.severity]),
    [['203.0.113.7', 47]],
  );
});

void test('escalation: a 5xx before any incident is open escalates nothing later', () => {
  const early = invites(3);
  const { finals } = run([flood], [...early, responseTo(early[0] as SipEvent, 0.5, 503), ...invites(20, 1)]);
  assert.equal(finals[0]?.event.severity, 47);
});
