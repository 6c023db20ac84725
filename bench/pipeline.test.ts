import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineParts, stageThreadsLabel } from './pipeline';

void test('SIPWARD_BENCH_PIPELINE_PARTS: all parts when unset, the named ones otherwise, an unknown name is an error', () => {
  assert.deepEqual([...pipelineParts(undefined)], ['producer', 'raw', 'e2e', 'real', 'split', 'latency']);
  assert.deepEqual([...pipelineParts(' ')], ['producer', 'raw', 'e2e', 'real', 'split', 'latency']);
  assert.deepEqual([...pipelineParts('e2e, latency')], ['e2e', 'latency']);
  assert.throws(() => pipelineParts('e2e,fast'), /unknown part fast/);
});

void test('stageThreadsLabel: the analyzer mode a row ran, from its stats', () => {
  assert.equal(stageThreadsLabel({ stage_threads: { dialog: 0, detect: 1 } }), 'stages on two threads of one process');
  assert.equal(stageThreadsLabel({ stage_threads: { dialog: 0, detect: 0 } }), 'both stages on one thread');
  assert.equal(stageThreadsLabel({ stage_threads: { dialog: 0 } }), 'one stage (dialog) per process');
  assert.equal(stageThreadsLabel({ stage_threads: { detect: 0 } }), 'one stage (detect) per process');
  assert.equal(stageThreadsLabel(undefined), 'stage threads unknown');
});
