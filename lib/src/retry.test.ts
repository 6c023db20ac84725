import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay, type BackoffPolicy } from './retry';

const plain: BackoffPolicy = { initialMs: 100, maxMs: 5_000 };
const jittered: BackoffPolicy = { initialMs: 100, maxMs: 10_000, jitter: true };

void test('backoff without jitter: initial, doubled each attempt, capped', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 5, 6, 50, 5000].map((attempt) => backoffDelay(attempt, plain)),
    [100, 200, 400, 800, 3_200, 5_000, 5_000, 5_000],
  );
});

void test('backoff with equal jitter: half the step fixed, half random', () => {
  const cases: [attempt: number, random: number, delay: number][] = [
    [0, 0, 50],
    [0, 0.999999, 100],
    [3, 1, 800],
    [5000, 0, 5_000],
  ];
  for (const [attempt, random, delay] of cases)
    assert.equal(
      backoffDelay(attempt, jittered, () => random),
      delay,
    );
});

void test('a Backoff steps through the policy and starts again after reset', () => {
  const backoff = new Backoff(plain);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 400]);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});
