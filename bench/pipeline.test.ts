import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineParts } from './pipeline';

void test('SIPWARD_BENCH_PIPELINE_PARTS: all parts when unset, the named ones otherwise, an unknown name is an error', () => {
  assert.deepEqual([...pipelineParts(undefined)], ['producer', 'raw', 'e2e', 'real', 'split', 'latency']);
  assert.deepEqual([...pipelineParts(' ')], ['producer', 'raw', 'e2e', 'real', 'split', 'latency']);
  assert.deepEqual([...pipelineParts('e2e, latency')], ['e2e', 'latency']);
  assert.throws(() => pipelineParts('e2e,fast'), /unknown part fast/);
});
