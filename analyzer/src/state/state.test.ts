import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketCounter, DistinctWindow, KeyedWindows, TimestampRing } from './keyed-windows';
import { LruTable } from './lru-table';
import { emptyTxnInfo, TransactionTable } from './transaction-table';
import { DetectionEngine } from '../engine/engine';
import { register, responseTo, signature, sipEvent } from '../engine/test-events';
import type { SipEvent } from '../../../schema/src/sip-event';

void test('LruTable evicts the least recently used entry and counts evictions', () => {
  const evicted: string[] = [];
  const lru = new LruTable<string, number>(2, (k) => evicted.push(k));
  lru.set('a', 1);
  lru.set('b', 2);
  lru.get('a');
  lru.set('c', 3);
  assert.deepEqual(evicted, ['b']);
  assert.equal(lru.evictions, 1);
  assert.equal(lru.size, 2);
  assert.equal(lru.peek('a'), 1);
  assert.equal(
    lru.dropWhile((v) => v < 3),
    1,
  );
  assert.deepEqual(lru.oldest(), ['c', 3]);
});

void test('TimestampRing answers "N events within W" exactly with N slots', () => {
  const ring = new TimestampRing(3);
  ring.push(0);
  ring.push(10);
  assert.equal(ring.fullWithin(10, 100), false);
  ring.push(20);
  assert.equal(ring.fullWithin(20, 21), true);
  assert.equal(ring.fullWithin(20, 20), false);
  ring.push(30);
  assert.equal(ring.oldest(), 10);
  assert.equal(ring.countWithin(30, 15), 2);
});

void test('DistinctWindow drops values last seen before the window and caps at its capacity', () => {
  const d = new DistinctWindow(3);
  assert.equal(d.add('a', 0, 10), 1);
  assert.equal(d.add('b', 5, 10), 2);
  assert.equal(d.add('a', 6, 10), 2);
  assert.equal(d.add('c', 12, 10), 3, 'b (5) and a (6) are still inside (2, 12]');
  assert.equal(d.add('d', 16, 10), 2, 'b (5) and a (6) left (6, 16]');
  assert.equal(d.add('e', 16.5, 100), 3, 'capped');
});

void test('BucketCounter totals the slices inside the window', () => {
  const c = new BucketCounter(100, 10);
  c.add(0);
  c.add(55);
  c.add(99);
  assert.equal(c.total(99), 3);
  assert.equal(c.total(105), 2, 'the first slice [0,10) left the window');
  assert.equal(c.total(1000), 0);
});

void test('KeyedWindows bounds groups and expires idle ones', () => {
  const kw = new KeyedWindows<{ lastMs: number }>(2, 100);
  kw.touch('a', 0, () => ({ lastMs: 0 }));
  kw.touch('b', 10, () => ({ lastMs: 10 }));
  kw.touch('c', 20, () => ({ lastMs: 20 }));
  assert.equal(kw.size, 2);
  assert.equal(kw.evictions, 1);
  assert.equal(kw.expire(115), 1, 'b idle for 105 ms');
  assert.equal(kw.size, 1);
});

void test('TransactionTable pairs responses with requests and marks resends', () => {
  const table = new TransactionTable(100);
  const out = emptyTxnInfo();
  const req = register(0, { callId: 'c1', seq: 1, auth: true });
  table.observe(req, 0, out);
  assert.equal(out.retransmission, false);
  table.observe(req, 500, out);
  assert.equal(out.retransmission, true, 'the same request again');
  const ok = responseTo(req, 0.6, 401);
  table.observe(ok, 600, out);
  assert.equal(out.retransmission, false);
  assert.equal(out.request_method, 'REGISTER');
  assert.equal(out.request_has_auth, true);
  assert.equal(out.request_auth_username, '1001');
  assert.equal(out.request_source_ip, '203.0.113.7');
  assert.equal(out.request_user_agent, 'friendly-scanner');
  table.observe(ok, 700, out);
  assert.equal(out.retransmission, true, 'the same response again');
  const next = register(1, { callId: 'c1', seq: 2 });
  table.observe(next, 1000, out);
  assert.equal(out.retransmission, false, 'a new CSeq is a new transaction');
  table.observe(responseTo(req, 40, 200), 40_000, out);
  assert.equal(out.request_method, undefined, 'expired after 32 s');
});

void test('TransactionTable is bounded', () => {
  const table = new TransactionTable(10);
  const out = emptyTxnInfo();
  for (let i = 0; i < 100; i++) table.observe(register(0, { callId: `b${i}`, seq: 1 }), 0, out);
  assert.equal(table.size, 10);
  assert.equal(table.evictions, 90);
});

void test('TransactionTable tells apart the transactions of one call and expires them oldest first', () => {
  const table = new TransactionTable(3);
  const out = emptyTxnInfo();
  const first = register(0, { callId: 'same', seq: 1, branch: 'z9hG4bK-a' });
  const otherBranch = register(0, { callId: 'same', seq: 1, branch: 'z9hG4bK-b' });
  const otherSeq = register(0, { callId: 'same', seq: 2, branch: 'z9hG4bK-a' });
  for (const e of [first, otherBranch, otherSeq]) {
    table.observe(e, 0, out);
    assert.equal(out.retransmission, false, 'branch and CSeq number are part of the identity');
  }
  table.observe(otherBranch, 1, out);
  assert.equal(out.retransmission, true);
  // Full: a fourth transaction of the same call evicts the oldest one of it.
  table.observe(register(0, { callId: 'same', seq: 3, branch: 'z9hG4bK-a' }), 2, out);
  assert.equal(table.size, 3);
  assert.equal(table.evictions, 1);
  table.observe(first, 3, out);
  assert.equal(out.retransmission, false, 'the evicted transaction is forgotten');
  // Thousands through a small table: the queue compacts and the size stays at the bound.
  for (let i = 0; i < 5_000; i++) table.observe(register(0, { callId: `k${i % 7}`, seq: i }), 10 + i, out);
  assert.equal(table.size, 3);
  table.observe(register(0, { callId: 'late', seq: 1 }), 60_000, out);
  assert.ok(table.size <= 3);
});

void test('1M distinct source IPs through an event_count signature keep state within the bound', (t) => {
  const maxGroups = 10_000;
  const sig = signature({
    kind: 'event_count',
    where: { 'sip.type': 'request', 'sip.method': 'OPTIONS' },
    windowMs: 60_000,
    threshold: 5,
  });
  // One mutable event: the engine keeps no reference to events that did not raise an alert.
  const event: SipEvent = sipEvent({ t: 0, sip: { type: 'request', method: 'OPTIONS' } });
  const base = Date.parse('2026-01-01T00:00:00Z');
  let maxState = 0;
  let finals = 0;
  const engine = new DetectionEngine([sig], {
    maxGroupsPerSignature: maxGroups,
    onAlert: (_alert, phase) => {
      if (phase === 'final') finals++;
    },
  });
  const before = process.memoryUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < 1_000_000; i++) {
    event.source.ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    event['@timestamp'] = new Date(base + Math.floor(i / 100)).toISOString();
    event.event.id = `e${i}`;
    engine.process(event);
    if (i % 100_000 === 0) maxState = Math.max(maxState, engine.stats().stateEntries);
  }
  engine.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = process.memoryUsage();
  const stats = engine.stats();
  assert.equal(finals, 0);
  assert.ok(stats.stateEntries <= maxGroups, `state ${stats.stateEntries}`);
  assert.ok(maxState <= maxGroups, `peak state ${maxState}`);
  assert.ok(stats.evictions >= 1_000_000 - maxGroups);
  t.diagnostic(
    `1M distinct sources, maxGroups ${maxGroups}: ${stats.stateEntries} entries, ${stats.evictions} evictions, ` +
      `${(1e6 / seconds).toFixed(0)} events/s, heapUsed ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB ` +
      `(Δ ${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)} MiB), rss ${(after.rss / 2 ** 20).toFixed(0)} MiB`,
  );
});

void test('TimestampRing: dropping what left the window changes no "full within" answer (random model check)', () => {
  let x = 12345;
  const random = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  for (const [capacity, windowMs] of [
    [1, 10],
    [3, 50],
    [48, 6000],
  ] as const) {
    const trimmed = new TimestampRing(capacity);
    const model: number[] = [];
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      now += random(4) === 0 ? random(windowMs * 2) : random(Math.max(1, windowMs / capacity));
      trimmed.dropOutside(now, windowMs);
      trimmed.push(now);
      model.push(now);
      if (model.length > capacity) model.shift();
      const full = model.length >= capacity && now - (model[0] as number) < windowMs;
      assert.equal(trimmed.fullWithin(now, windowMs), full, `step ${i}`);
      if (full) assert.equal(trimmed.oldest(), model[0]);
      assert.equal(trimmed.countWithin(now, windowMs), model.filter((t) => now - t < windowMs).length);
      if (full) {
        trimmed.clear();
        model.length = 0;
      }
    }
  }
});
