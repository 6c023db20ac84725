import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReorderBuffer, type Ordered } from './reorder-buffer';

const item = (t: number, p: number, o: number): Ordered => ({ t, p, o });

void test('nothing is released until every upstream partition has reported', () => {
  const buf = new ReorderBuffer<Ordered>(2);
  buf.push(item(10, 0, 1));
  buf.tick({ p: 0, t: 100, idle: false });
  assert.deepEqual(buf.release().items, []);
  buf.tick({ p: 1, t: 50, idle: false });
  assert.deepEqual(buf.release().items, [item(10, 0, 1)]);
});

void test('releases strictly below the slowest active partition, in (t, p, o) order', () => {
  const buf = new ReorderBuffer<Ordered>(2);
  for (const it of [item(30, 1, 7), item(20, 0, 5), item(20, 0, 4), item(40, 0, 6), item(20, -0, 3)]) buf.push(it);
  buf.tick({ p: 0, t: 45, idle: false });
  buf.tick({ p: 1, t: 30, idle: false });
  const r = buf.release();
  assert.deepEqual(
    r.items.map((i) => [i.t, i.o]),
    [
      [20, 3],
      [20, 4],
      [20, 5],
    ],
  );
  assert.equal(r.advanceTo, 30);
  buf.tick({ p: 1, t: 100, idle: false });
  assert.deepEqual(
    buf.release().items.map((i) => i.t),
    [30, 40],
  );
});

void test('idle partitions do not hold the watermark; all idle releases everything', () => {
  const buf = new ReorderBuffer<Ordered>(3);
  buf.push(item(500, 2, 1));
  buf.tick({ p: 0, t: 1000, idle: false });
  buf.tick({ p: 1, t: 10, idle: true });
  buf.tick({ p: 2, t: 400, idle: false });
  assert.deepEqual(buf.release().items, []);
  buf.tick({ p: 2, t: 600, idle: true });
  buf.tick({ p: 0, t: 1000, idle: true });
  const r = buf.release();
  assert.deepEqual(r.items, [item(500, 2, 1)]);
  assert.equal(r.advanceTo, 1000);
});

void test('an event below what was already released is counted late (and still delivered)', () => {
  const buf = new ReorderBuffer<Ordered>(1);
  buf.tick({ p: 0, t: 100, idle: false });
  buf.release();
  buf.push(item(50, 0, 9));
  assert.equal(buf.late, 1);
  assert.equal(buf.release().items.length, 1);
});

void test('random arrival order comes out sorted', () => {
  const buf = new ReorderBuffer<Ordered>(4);
  const all: Ordered[] = [];
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 2000; i++) all.push(item(Math.floor(rnd() * 500), i % 4, i));
  for (const it of all) buf.push(it);
  for (let p = 0; p < 4; p++) buf.tick({ p, t: 0, idle: true });
  const out = buf.release().items;
  assert.equal(out.length, 2000);
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1] as Ordered;
    const b = out[i] as Ordered;
    assert.ok(a.t < b.t || (a.t === b.t && (a.p < b.p || (a.p === b.p && a.o < b.o))));
  }
});
