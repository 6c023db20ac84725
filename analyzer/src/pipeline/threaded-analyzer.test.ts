// The two-thread analyzer without services: its counters merge into the one-process shape, and a
// detect worker that dies is reported as a crash (start rejects, onCrash fires once, stop returns)
// instead of leaving a half-process running. The real stages on two threads are proven against the
// broker and Elasticsearch in test/integration/pipeline.test.ts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../../lib/src/logger';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import type { AnalyzerDaemonStats } from './analyzer-daemon';
import { emptyStageStats } from './stage-runner';
import { ThreadedAnalyzer, mergeThreadStats } from './threaded-analyzer';

function side(n: number, threads: AnalyzerDaemonStats['stage_threads']): AnalyzerDaemonStats {
  const stage = { ...emptyStageStats(), processed: n, partitions: [n] };
  return {
    dialog: { ...stage, events: n, duplicates: n, poison: n, calls: n },
    detect: { ...stage, alerts: n, late: n, duplicates: n, buffered: n },
    dead_letters: n,
    producer_resets: n,
    indexer: { indexed: n, duplicates: n, retries: n, rejected: n, outages: n },
    state: { dialog: { entries: n, evictions: n }, detect: { entries: n, evictions: n } },
    memory: { rss: 100 * n, heap_used: n, heap_total: 2 * n, external: 3 * n },
    bulks: { bulks: n, submitted: n, sent: n, largest_bulk: 10 * n, queued: n },
    outputs: { keyed_sends: n, keyed_ms: n, index_ms: n, link_ms: n, ticks: n, tick_ms: n },
    stage_threads: threads,
  };
}

void test('mergeThreadStats: each stage from its thread, per-thread counters summed, RSS once', () => {
  const merged = mergeThreadStats(side(1, { dialog: 0 }), side(2, { detect: 1 }));
  assert.equal(merged.dialog.events, 1);
  assert.deepEqual(merged.dialog.partitions, [1]);
  assert.equal(merged.detect.alerts, 2);
  assert.deepEqual(merged.detect.partitions, [2]);
  assert.deepEqual(merged.state, { dialog: { entries: 1, evictions: 1 }, detect: { entries: 2, evictions: 2 } });
  assert.equal(merged.dead_letters, 3);
  assert.equal(merged.producer_resets, 3);
  assert.deepEqual(merged.indexer, { indexed: 3, duplicates: 3, retries: 3, rejected: 3, outages: 3 });
  // RSS is the process's (both threads): not summed. V8 heaps are per thread: summed.
  assert.deepEqual(merged.memory, { rss: 100, heap_used: 3, heap_total: 6, external: 9 });
  assert.deepEqual(merged.bulks, { bulks: 3, submitted: 3, sent: 3, largest_bulk: 20, queued: 3 });
  assert.deepEqual(merged.outputs, { keyed_sends: 3, keyed_ms: 3, index_ms: 3, link_ms: 3, ticks: 3, tick_ms: 3 });
  assert.deepEqual(merged.stage_threads, { dialog: 0, detect: 1 });
  // The same keys as a one-thread daemon's counters (what the bench, metrics and tests read).
  assert.deepEqual(Object.keys(merged).sort(), Object.keys(side(0, {})).sort());
});

void test('a detect worker that dies is a crash: start rejects, onCrash fires once, stop returns', async () => {
  const script = join(tempDir('sipward-stage-worker-'), 'dying-worker.js');
  writeFileSync(script, "throw new Error('detect stage failed on purpose');\n");
  const analyzer = new ThreadedAnalyzer({
    // Nothing listens there: the dialog side keeps retrying its connections until stopped.
    kafka: { clientId: 'threaded-analyzer-test', brokers: ['127.0.0.1:1'] },
    topic: 'sip.events',
    group: 'threaded-analyzer-test',
    elasticsearch: { node: 'http://127.0.0.1:1' },
    namespace: 'test',
    rulesDirs: [],
    enricher: {},
    log: createLogger('silent'),
    logName: 'test',
    logFormat: 'json',
    workerScript: script,
  });
  const crashes: Error[] = [];
  analyzer.onCrash((error) => crashes.push(error));
  await assert.rejects(analyzer.start(), /failed on purpose/);
  assert.equal(crashes.length, 1);
  assert.match(crashes[0]?.message ?? '', /failed on purpose/);
  await analyzer.stop();
  // A listener added after the crash still hears of it.
  const late: Error[] = [];
  analyzer.onCrash((error) => late.push(error));
  assert.equal(late.length, 1);
  assert.deepEqual(analyzer.stats().stage_threads.dialog, 0);
});
