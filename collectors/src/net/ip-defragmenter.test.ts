import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IpDefragmenter } from './ip-defragmenter';

const data = Buffer.from(Array.from({ length: 40 }, (_, i) => i));

function add(d: IpDefragmenter, key: string, off: number, len: number, more: boolean, t = 0, src: Buffer = data) {
  return d.add(key, 17, off, more, src, off, off + len, t);
}

void test('in order, out of order, and with exact duplicates', () => {
  for (const order of [
    [0, 1, 2],
    [2, 0, 1],
    [1, 2, 1, 0],
  ]) {
    const d = new IpDefragmenter();
    let out = null;
    for (const i of order) out = add(d, 'k', i * 16, i === 2 ? 8 : 16, i !== 2) ?? out;
    assert.ok(out);
    assert.deepEqual(out.data, data);
    assert.equal(out.protocol, 17);
    assert.equal(d.inFlight, 0);
    assert.equal(d.bytes, 0);
  }
  const d = new IpDefragmenter();
  add(d, 'k', 16, 16, true);
  add(d, 'k', 16, 16, true);
  assert.equal(d.counters.duplicate, 1);
});

void test('overlap rejects and poisons the datagram', () => {
  const d = new IpDefragmenter();
  assert.equal(add(d, 'k', 0, 16, true), null);
  assert.equal(add(d, 'k', 8, 16, true), null);
  assert.equal(d.counters.overlap, 1);
  assert.equal(add(d, 'k', 24, 16, false), null);
  assert.equal(d.counters.poisoned, 1);
  // same offset and length, different bytes: a conflicting duplicate is an overlap too
  const e = new IpDefragmenter();
  add(e, 'k', 0, 16, true);
  e.add('k', 17, 0, true, Buffer.alloc(16, 9), 0, 16, 0);
  assert.equal(e.counters.overlap, 1);
  assert.equal(e.bytes, 0);
});

void test('timeout by packet time', () => {
  const d = new IpDefragmenter({ timeoutSec: 30 });
  add(d, 'a', 0, 16, true, 100);
  add(d, 'b', 0, 16, true, 120);
  add(d, 'c', 0, 16, true, 131); // expires a
  assert.equal(d.counters.timeout, 1);
  assert.equal(add(d, 'a', 16, 8, false, 131), null); // starts over, incomplete
  assert.equal(add(d, 'b', 16, 8, false, 140)?.data.length, 24);
  d.clear();
  assert.equal(d.counters.timeout, 3);
});

void test('memory cap evicts the oldest, datagram cap too', () => {
  const d = new IpDefragmenter({ maxBytes: 40 });
  add(d, 'a', 0, 16, true);
  add(d, 'b', 0, 16, true);
  add(d, 'c', 0, 16, true); // needs room: a goes
  assert.equal(d.counters.memory, 1);
  assert.ok(d.bytes <= 40);
  const e = new IpDefragmenter({ maxDatagrams: 2 });
  add(e, 'a', 0, 16, true);
  add(e, 'b', 0, 16, true);
  add(e, 'c', 0, 16, true);
  assert.equal(e.counters.memory, 1);
  assert.equal(e.inFlight, 2);
  // a single fragment larger than the whole budget
  const f = new IpDefragmenter({ maxBytes: 8 });
  add(f, 'a', 0, 16, true);
  assert.equal(f.counters.memory, 1);
});

void test('too big, too many fragments, malformed', () => {
  const big = Buffer.alloc(70000);
  const d = new IpDefragmenter();
  assert.equal(d.add('k', 17, 65528, false, big, 0, 16, 0), null);
  assert.equal(d.counters.too_big, 1);
  assert.equal(d.add('j', 17, 0, true, big, 0, 64, 0, 40), null); // per-datagram limit (IPv4 header)
  assert.equal(d.counters.too_big, 2);
  const m = new IpDefragmenter({ maxFragmentsPerDatagram: 2 });
  add(m, 'k', 0, 8, true);
  add(m, 'k', 8, 8, true);
  add(m, 'k', 16, 8, true);
  assert.equal(m.counters.too_many_fragments, 1);
  const x = new IpDefragmenter();
  add(x, 'k', 0, 10, true); // not a multiple of 8
  add(x, 'l', 0, 0, false); // empty
  add(x, 'n', 32, 8, false);
  add(x, 'n', 16, 8, false); // two different ends
  add(x, 'o', 8, 8, false);
  add(x, 'o', 16, 8, true); // beyond the end
  assert.equal(x.counters.malformed, 4);
});

void test('held bytes are copies: the source buffer may be reused', () => {
  const d = new IpDefragmenter();
  const src = Buffer.from(data);
  add(d, 'k', 0, 16, true, 0, src);
  src.fill(0xff, 0, 16);
  const out = add(d, 'k', 16, 24, false, 0, src);
  assert.deepEqual(out?.data.subarray(0, 16), data.subarray(0, 16));
});

void test('property: any fragment sequence keeps the memory and datagram bounds', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
          off: fc.nat(200).map((n) => n * 8),
          len: fc.integer({ min: 0, max: 300 }),
          more: fc.boolean(),
          dt: fc.nat(10),
        }),
        { maxLength: 80 },
      ),
      (ops) => {
        const d = new IpDefragmenter({
          maxBytes: 1500,
          maxDatagrams: 3,
          maxFragmentsPerDatagram: 6,
          maxDatagramSize: 2000,
          timeoutSec: 20,
        });
        const src = Buffer.alloc(400, 1);
        let t = 0;
        for (const o of ops) {
          t += o.dt;
          const out = d.add(o.key, 17, o.off, o.more, src, 0, o.len, t);
          if (out !== null) assert.ok(out.data.length <= 2000);
          assert.ok(d.bytes >= 0 && d.bytes <= 1500, `bytes ${d.bytes}`);
          assert.ok(d.inFlight <= 3);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

void test('property: a valid fragmentation in any order with duplicates reassembles exactly', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.nat(), { maxLength: 60 }),
      (bytes, units, shuffle) => {
        const data = Buffer.from(bytes);
        const size = units * 8;
        const frags: [number, number][] = [];
        for (let off = 0; off < data.length; off += size) frags.push([off, Math.min(off + size, data.length)]);
        // permute and duplicate some
        const order = frags.map((_, i) => i);
        shuffle.forEach((s, i) => {
          const a = i % order.length;
          const b = s % order.length;
          [order[a], order[b]] = [order[b] as number, order[a] as number];
        });
        if (shuffle.length > 0) order.push(order[0] as number);
        const d = new IpDefragmenter({ maxFragmentsPerDatagram: 1000 });
        let out = null;
        for (const i of order) {
          const [s, e] = frags[i] as [number, number];
          out = d.add('k', 6, s, e < data.length, data, s, e, 0) ?? out;
        }
        assert.ok(out);
        assert.deepEqual(out.data, data);
      },
    ),
    { numRuns: 500 },
  );
});
