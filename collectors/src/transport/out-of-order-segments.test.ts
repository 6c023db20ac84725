import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutOfOrderSegments, seqDiff } from './out-of-order-segments';

void describe('OutOfOrderSegments', () => {
  void it('keeps pieces disjoint and sorted, first copy wins, conflicts counted', () => {
    const o = new OutOfOrderSegments();
    const base = 0xfffffff0;
    assert.equal(o.insert(base, base + 20, Buffer.from('UVWXYZ'), 0, 6, 1, 0), 0);
    assert.equal(o.insert(base, base + 10, Buffer.from('klmnop'), 0, 6, 1, 0), 0);
    // Spans both pieces and the gaps around them; its lower-case copy of 'UVWXYZ' is a conflict.
    assert.equal(o.insert(base, base + 8, Buffer.from('ijklmnopqrstuvwxyz__'), 0, 20, 2, 0), 1);
    assert.equal(o.bytes, 20);
    const got: string[] = [];
    const n = o.drain(base + 8, (d, s, e) => {
      got.push(d.toString('latin1', s, e));
      return (base + 8 + got.join('').length) >>> 0;
    });
    assert.equal(got.join(''), 'ijklmnopqrstUVWXYZ__');
    assert.equal(n, 5);
    assert.equal(o.count, 0);
    assert.equal(o.bytes, 0);
  });

  void it('drains only what the stream reached and trims already delivered bytes', () => {
    const o = new OutOfOrderSegments();
    o.insert(100, 105, Buffer.from('abcde'), 0, 5, 0, 0);
    o.insert(100, 120, Buffer.from('zz'), 0, 2, 0, 0);
    const got: string[] = [];
    o.drain(107, (d, s, e) => {
      got.push(d.toString('latin1', s, e));
      return 110;
    });
    assert.deepEqual(got, ['cde']);
    assert.equal(o.count, 1);
    assert.equal(seqDiff(5, 0xfffffffb), 10);
  });
});
