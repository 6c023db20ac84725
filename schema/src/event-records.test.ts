import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeEventBatch, recordEncoding, splitEventBatch } from './event-records';

void test('a batch value splits back into its lines; empty lines are skipped', () => {
  const lines = ['{"a":1}', '{"b":"x\\ny"}', '{"c":3}'];
  assert.deepEqual(splitEventBatch(encodeEventBatch(lines)), lines);
  assert.deepEqual(splitEventBatch('{"a":1}\n\n{"b":2}\n'), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(splitEventBatch(''), []);
});

void test('content types: batch, single event (also without header), unknown', () => {
  assert.equal(recordEncoding('application/x-ndjson'), 'batch');
  assert.equal(recordEncoding('application/json'), 'event');
  assert.equal(recordEncoding(undefined), 'event');
  assert.equal(recordEncoding('application/avro'), undefined);
});
