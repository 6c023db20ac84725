import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentIds } from './recent-ids';

/** Deterministic pseudo-random words (xorshift32), so a failure replays. */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

void test('RecentIds answers like a first-in-first-out set of the last `capacity` ids', () => {
  for (const capacity of [1, 2, 7, 100, 5000]) {
    const next = generator(capacity);
    const ids = new RecentIds(capacity);
    const order: string[] = [];
    const model = new Set<string>();
    let evictions = 0;
    // A small id space so repeats, re-adds after eviction and long probe chains all happen.
    const space = capacity * 3;
    for (let i = 0; i < 40_000; i++) {
      const n = next() % space;
      const id = n % 5 === 0 ? `other-${n}` : `${hex(n * 2654435761)}${hex(n)}`;
      const fresh = !model.has(id);
      assert.equal(ids.has(id), !fresh, `has(${id}) at step ${i}, capacity ${capacity}`);
      assert.equal(ids.add(id), fresh, `add(${id}) at step ${i}, capacity ${capacity}`);
      if (fresh) {
        model.add(id);
        order.push(id);
        if (order.length > capacity) {
          model.delete(order.shift() as string);
          evictions++;
        }
      }
      assert.equal(ids.size, model.size);
    }
    assert.equal(ids.evictions, evictions);
    for (const id of order) assert.equal(ids.has(id), true);
  }
});

void test('RecentIds keeps collector event ids exactly and tells ids apart by case and form', () => {
  const ids = new RecentIds(10);
  assert.equal(ids.add('0123456789abcdef'), true);
  assert.equal(ids.add('0123456789abcdef'), false);
  // Not lowercase hex: hashed, so not the same id as its lowercase form.
  assert.equal(ids.add('0123456789ABCDEF'), true);
  assert.equal(ids.add('0123456789abcdeg'), true);
  assert.equal(ids.add(''), true);
  assert.equal(ids.add(''), false);
  assert.equal(ids.size, 4);
  assert.throws(() => new RecentIds(0), RangeError);
});
