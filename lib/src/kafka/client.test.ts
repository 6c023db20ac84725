import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyPartition } from './client';

void test('keyPartition is murmur2 like the Java client (the partitioning contract of sip.events)', () => {
  // Same key, same partition, whatever the topic or the call (the collector and the old per-event records agree).
  const n = 4;
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const p = keyPartition('sip.events', `call-${i}@10.0.0.1`, n);
    assert.ok(p >= 0 && p < n);
    seen.add(p);
    assert.equal(keyPartition('other.topic', `call-${i}@10.0.0.1`, n), p, 'independent of the topic');
  }
  assert.equal(seen.size, n, 'keys spread over every partition');
});
