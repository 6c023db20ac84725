import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SipEvent } from '../../../schema/src/sip-event';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { DetectionEngine } from './engine';
import { restoreEngineState, saveEngineState } from './engine-state-file';
import { run, signature, sipEvent } from './test-events';
import type { Signature } from './signature';

const DAY = 86_400;

/** REG-01-like: per user, the /24 each request comes from; learns 7 days and 3 samples. */
const newNetwork: Signature = signature({
  kind: 'baseline',
  baseline: 'new_value',
  where: { 'sip.type': 'request', 'sip.method': 'REGISTER' },
  group_by: ['sip.from.user'],
  field: 'source.ip',
  ip_prefix: 24,
  learningMs: 7 * DAY * 1000,
  min_samples: 3,
  suppressMs: 3_600_000,
});

/** IC-03-like: requests per 60 s per source, over 3 × the learned peak and at least 5. */
const volume: Signature = signature({
  kind: 'baseline',
  baseline: 'rate',
  where: { 'sip.type': 'request' },
  group_by: ['source.ip'],
  windowMs: 60_000,
  factor: 3,
  threshold: 5,
  learningMs: DAY * 1000,
  min_samples: 10,
});

function reg(t: number, user: string, src: string): SipEvent {
  return sipEvent({ t, src, sip: { type: 'request', method: 'REGISTER', call_id: `r${t}${src}`, from: { user } } });
}

function history(days: number, src = '10.1.1.5'): SipEvent[] {
  return Array.from({ length: days }, (_, d) => reg(d * DAY, 'alice', src));
}

void test('baseline new_value: nothing while learning; then a new /24 alerts once, the same /24 never', () => {
  const learning = run([newNetwork], [...history(3), reg(3 * DAY, 'alice', '203.0.113.9')]);
  assert.equal(learning.finals.length, 0, 'a new network inside the learning week is learned');
  const { finals } = run(
    [newNetwork],
    [
      ...history(8),
      reg(8 * DAY, 'alice', '10.1.1.77'),
      reg(8 * DAY + 10, 'alice', '203.0.113.9'),
      reg(8 * DAY + 20, 'alice', '203.0.113.10'),
    ],
  );
  assert.equal(finals.length, 1);
  assert.equal(finals[0]?.source?.ip, '203.0.113.9');
  assert.match(finals[0]?.event.reason ?? '', /never seen in the learned baseline/);
});

void test('baseline new_value: min_samples holds an account in learning however old it is', () => {
  const { finals } = run([newNetwork], [reg(0, 'bob', '10.1.1.5'), reg(30 * DAY, 'bob', '203.0.113.9')]);
  assert.equal(finals.length, 0);
});

void test('baseline rate: alerts above factor × the learned peak, not at it', () => {
  const burst = (t0: number, n: number): SipEvent[] =>
    Array.from({ length: n }, (_, i) =>
      sipEvent({ t: t0 + i, src: '192.0.2.2', sip: { type: 'request', method: 'INVITE', call_id: `b${t0}-${i}` } }),
    );
  // Learning day: bursts of 4 a minute (peak 4). Afterwards 11 in a minute is under 12; 12 alerts.
  const learned = [...burst(0, 4), ...burst(3600, 4), ...burst(7200, 4)];
  assert.equal(run([volume], [...learned, ...burst(DAY + 100, 11)]).finals.length, 0);
  const over = run([volume], [...learned, ...burst(DAY + 100, 12)]).finals;
  assert.equal(over.length, 1);
  assert.equal(over[0]?.sipward.count, 12);
});

void test('--state: what was learned survives a restart (export, file, import)', () => {
  const file = join(tempDir(), 'state.json');
  const first = new DetectionEngine([newNetwork], { onAlert: () => undefined });
  for (const e of history(8)) first.process(e);
  saveEngineState(first, file);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; signatures: Record<string, unknown> };
  assert.equal(saved.version, 1);
  assert.ok(saved.signatures['SIP-TEST-01#0'] !== undefined);

  const alerts: string[] = [];
  const second = new DetectionEngine([newNetwork], {
    onAlert: (a, phase) => phase === 'final' && alerts.push(a.source?.ip ?? ''),
  });
  restoreEngineState(second, file);
  second.process(reg(9 * DAY, 'alice', '203.0.113.9'));
  second.flush();
  assert.deepEqual(alerts, ['203.0.113.9'], 'the restarted engine judges at once');

  const fresh: string[] = [];
  const third = new DetectionEngine([newNetwork], {
    onAlert: (a, phase) => phase === 'final' && fresh.push(a.source?.ip ?? ''),
  });
  third.process(reg(9 * DAY, 'alice', '203.0.113.9'));
  third.flush();
  assert.deepEqual(fresh, [], 'without the state it would be learning again');
});
