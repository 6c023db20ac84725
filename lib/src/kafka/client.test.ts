import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { mulberry32 } from '../prng';
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

void test("keyPartition gives every key the partition kafkajs' own default partitioner gives it", () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const metadata = (n: number): PartitionMetadata[] =>
    Array.from({ length: n }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    }));
  const random = mulberry32(12);
  const alphabet = 'abcXYZ019@.-_:;/ éü漢🙂';
  for (let i = 0; i < 20_000; i++) {
    const length = Math.floor(random() * 48);
    let key = '';
    // Mostly ASCII Call-IDs, some with multi-byte characters (the UTF-8 path).
    const chars = i % 5 === 0 ? alphabet : alphabet.slice(0, 18);
    for (let j = 0; j < length; j++) key += [...chars][Math.floor(random() * [...chars].length)] ?? '';
    const n = 1 + (i % 16);
    const expected = kafkajs({ topic: 't', partitionMetadata: metadata(n), message: { key, value: null } });
    assert.equal(keyPartition('t', key, n), expected, `key ${JSON.stringify(key)}, ${n} partitions`);
  }
});
