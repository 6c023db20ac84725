import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropCounter, PublishQueue } from './publish-queue';

void test('offer drops the newest item once the bound is reached; the queued ones stay in order', () => {
  const q = new PublishQueue<number>(3);
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => q.offer(n)),
    [true, true, true, false, false],
  );
  assert.equal(q.length, 3);
  assert.equal(q.full, true);
  assert.deepEqual(q.peek(10), [1, 2, 3]);
  q.remove(1);
  assert.equal(q.offer(6), true);
  assert.deepEqual(q.peek(10), [2, 3, 6]);
  assert.equal(q.maxLength, 3);
});

void test('peek leaves items queued until remove (items leave only once acknowledged)', () => {
  const q = new PublishQueue<number>(10);
  for (let i = 0; i < 5; i++) q.add(i);
  assert.deepEqual(q.peek(2), [0, 1]);
  assert.deepEqual(q.peek(2), [0, 1], 'a second peek sees the same head');
  q.remove(2);
  assert.deepEqual(q.peek(10), [2, 3, 4]);
  q.remove(100);
  assert.equal(q.length, 0);
});

void test('add goes past the bound (file input) and waitForSpace resolves only once below it', async () => {
  const q = new PublishQueue<number>(2);
  for (let i = 0; i < 5; i++) q.add(i);
  assert.equal(q.length, 5);
  assert.equal(q.maxLength, 5);
  let released = false;
  const waiting = q.waitForSpace().then(() => (released = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(released, false);
  q.remove(3); // 2 left: still full
  await new Promise((r) => setImmediate(r));
  assert.equal(released, false, 'not below the bound yet');
  q.remove(1);
  await waiting;
  assert.equal(released, true);
  await q.waitForSpace(); // already below: immediate
});

void test('waitForItems resolves on the next add; wakeAll releases every waiter', async () => {
  const q = new PublishQueue<string>(2);
  const got = q.waitForItems().then(() => q.peek(1));
  q.add('a');
  assert.deepEqual(await got, ['a']);
  q.add('b');
  let woke = false;
  const space = q.waitForSpace().then(() => (woke = true));
  q.wakeAll();
  await space;
  assert.equal(woke, true);
});

void test('compaction after many acks keeps order and length', () => {
  const q = new PublishQueue<number>(10_000);
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 300; i++) q.add(next++);
    const head = q.peek(250);
    assert.equal(head[0], expected);
    q.remove(250);
    expected += 250;
  }
  assert.equal(q.length, next - expected);
  assert.equal(q.peek(1)[0], expected);
  assert.deepEqual(q.clear().length, next - expected);
  assert.equal(q.length, 0);
});

void test('a capacity below 1 is refused', () => {
  assert.throws(() => new PublishQueue(0), RangeError);
});

void test('DropCounter: warns at the first drop, then at most once per interval with the totals', () => {
  const d = new DropCounter(10_000);
  const first = d.count('queue_full', 1, 1_000);
  assert.deepEqual(first, { since_last_warning: 1, total: 1, by_reason: { queue_full: 1 } });
  assert.equal(d.count('queue_full', 5, 2_000), undefined);
  assert.equal(d.count('queue_full', 5, 10_999), undefined);
  const second = d.count('shutdown', 2, 11_000);
  assert.deepEqual(second, { since_last_warning: 12, total: 13, by_reason: { queue_full: 11, shutdown: 2 } });
  assert.equal(d.count('queue_full', 0, 50_000), undefined, 'nothing dropped, nothing to say');
  assert.deepEqual(d.byReason, { queue_full: 11, shutdown: 2 });
  assert.equal(d.total, 13);
});
