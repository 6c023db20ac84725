import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionTick, sourceBound, type SourceWatermark } from './watermarks';

const SILENCE = 60_000;

void test('the source bound is the slowest live collector; ended and silent ones do not hold it', () => {
  const now = 1_000_000;
  const sources = new Map<string, SourceWatermark>([
    ['a', { t: 500, w: now - 1000, end: false }],
    ['b', { t: 300, w: now - 1000, end: false }],
  ]);
  assert.equal(sourceBound(sources, now, SILENCE), 300);
  sources.set('b', { t: 300, w: now - 1000, end: true });
  assert.equal(sourceBound(sources, now, SILENCE), 500, 'b finished');
  sources.set('a', { t: 500, w: now - SILENCE - 1, end: false });
  assert.equal(sourceBound(sources, now, SILENCE), Infinity, 'a died without its final watermark');
  assert.equal(sourceBound(new Map(), now, SILENCE), undefined, 'no collector watermarks at all');
});

void test('a partition still behind vouches only for what it delivered, minus the lateness', () => {
  const view = { drained: false, deliveredTime: 10_000, quietMs: 5000 };
  assert.deepEqual(partitionTick(view, 50_000, 100, 500), { t: 9_900, i: false });
  assert.deepEqual(partitionTick(view, Infinity, 100, 500), { t: 9_900, i: false }, 'even when collectors ended');
  assert.deepEqual(partitionTick(view, undefined, 100, 500), { t: 9_900, i: false }, 'even when quiet');
});

void test('a drained partition follows the collectors: their bound, or idle once they all ended', () => {
  const view = { drained: true, deliveredTime: 10_000, quietMs: 0 };
  assert.deepEqual(partitionTick(view, 50_000, 100, 500), { t: 49_900, i: false });
  assert.deepEqual(partitionTick(view, 5_000, 100, 500), { t: 10_000, i: false }, 'never below what it delivered');
  assert.deepEqual(partitionTick(view, Infinity, 100, 500), { t: 10_000, i: true });
});

void test('without collector watermarks a drained partition is idle after idleMs of quiet', () => {
  assert.deepEqual(partitionTick({ drained: true, deliveredTime: 10_000, quietMs: 499 }, undefined, 100, 500), {
    t: 9_900,
    i: false,
  });
  assert.deepEqual(partitionTick({ drained: true, deliveredTime: 10_000, quietMs: 500 }, undefined, 100, 500), {
    t: 10_000,
    i: true,
  });
  assert.deepEqual(
    partitionTick({ drained: true, deliveredTime: -Infinity, quietMs: undefined }, undefined, 100, 500),
    { t: -1, i: true },
    'a partition this instance has no task for: idle at once',
  );
});

void test('a partition that delivered nothing yet holds every keyed partition back (t = -1)', () => {
  assert.deepEqual(partitionTick({ drained: false, deliveredTime: -Infinity, quietMs: 0 }, 50_000, 100, 500), {
    t: -1,
    i: false,
  });
});
