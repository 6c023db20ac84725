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
  assert.equal(
    backoffDelay(0, jittered, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(0, jittered, () => 0.999999),
    100,
  );
  assert.equal(
    backoffDelay(3, jittered, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(5000, jittered, () => 0),
    5_000,
  );
});

void test('a Backoff steps through the policy and starts again after reset', () => {
  const backoff = new Backoff(plain);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 400]);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});
