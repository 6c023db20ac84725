// The distributed pipeline's proofs (issue 6) against the real broker and Elasticsearch:
//  1. collect → Kafka → analyzer → Elasticsearch gives exactly what `sipward analyze` gives;
//  2. one analyzer and three analyzers (the third joining mid-stream) give the same alert set;
//  3. the two stages in two processes (`--stage dialog` + `--stage detect`) give the same alerts;
//  4. poison on the topic is dead-lettered, counted, and does not stop the group;
//  5. the default analyzer runs its two stages on two threads of one process (its counters and
//     log say so) and gives the same alerts and calls as `--stage-threads 1` and the reference.
// Proofs 1, 2 and 4 and the fault proofs run the default (two stage threads on ≥ 2 cores).
// Fault proofs (broker, index, analyzer and collector failures) are in pipeline-faults.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { AnalyzerDump } from '../../analyzer/src/pipeline/analyzer-daemon';
import type { Alert } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';
import {
  BIN,
  ROOT,
  compareAlerts,
  compareCalls,
  createTopic,
  decodeCapture,
  kafka,
  publish,
  reference,
  repeated,
  settle,
  startAnalyzer,
  startCollector,
  summary,
  pipelineNames,
  pipelineTopic,
  pipelineSuite,
  stopDaemons,
} from './pipeline-harness';
import { tempDir } from '../../lib/src/test-support/temp-dir';

const DEMO = join(ROOT, 'samples', 'demo-attacks.pcap');

void describe('pipeline: collect → Kafka → analyzer → Elasticsearch', { timeout: 300_000 }, () => {
  const running = pipelineSuite();

  void test('proof 1: the same alerts and call records as `sipward analyze` on the same capture', async () => {
    const n = pipelineNames('p1');
    // The embedded default, as a user runs it.
    const callsFile = join(tempDir('sipward-p1-'), 'calls.jsonl');
    const analyze = spawnSync(
      process.execPath,
      [BIN, 'analyze', DEMO, '--format', 'jsonl', '--calls', callsFile, '--log-level', 'silent'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(analyze.status, 0, analyze.stderr);
    const want = { alerts: new Map<string, Alert>(), calls: new Map<string, CallRecord>() };
    for (const line of (analyze.stdout + readFileSync(callsFile, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const doc = JSON.parse(line) as Alert | CallRecord;
      if (doc.event.kind === 'alert') want.alerts.set(doc.event.id, doc as Alert);
      else want.calls.set(doc.event.id, doc as CallRecord);
    }
    assert.ok(
      want.alerts.size >= 8 && want.calls.size >= 100,
      `reference: ${want.alerts.size} alerts, ${want.calls.size} calls`,
    );

    await createTopic(n.topic, 4);
    const collector = startCollector({ topic: n.topic, files: [DEMO] });
    running.push(collector);
    const analyzer = startAnalyzer(n);
    running.push(analyzer);
    const result = await settle(want, n.namespace, 90_000);
    assert.equal(
      summary(result),
      summary({ alerts: compareAlerts(want.alerts, want.alerts), calls: compareCalls(want.calls, want.calls) }),
    );
    const exit = await new Promise<number | null>((resolve) => {
      if (collector.child.exitCode !== null) resolve(collector.child.exitCode);
      else collector.child.once('exit', (code) => resolve(code));
    });
    assert.equal(exit, 0, collector.stderr().slice(-2000));
    await stopDaemons(running);
  });

  void test('proof 2: one analyzer and three (one joining mid-stream) give the same alert set', async () => {
    // 70 min apart: longer than every suppress period, so each copy opens its own incidents.
    const events = repeated(await decodeCapture(DEMO), 6, 70 * 60_000);
    const ref = reference(events);
    assert.ok(ref.alerts.size >= 40, `reference alerts ${ref.alerts.size}`);

    const one = await pipelineTopic('p2one');
    running.push(startAnalyzer(one));
    await publish(one.topic, events, 1500);
    const single = await settle(ref, one.namespace, 90_000);
    await stopDaemons(running);

    const three = await pipelineTopic('p2three');
    running.push(startAnalyzer(three), startAnalyzer(three));
    const flowing = publish(three.topic, events, 1500);
    await new Promise((r) => setTimeout(r, 2500));
    running.push(startAnalyzer(three));
    await flowing;
    const scaled = await settle(ref, three.namespace, 120_000);
    const empty = summary({ alerts: compareAlerts(ref.alerts, ref.alerts), calls: compareCalls(ref.calls, ref.calls) });
    assert.equal(summary(single), empty, 'one analyzer');
    assert.equal(summary(scaled), empty, 'three analyzers');
    await stopDaemons(running);
  });

  void test('proof 3: the dialog and detect stages in two processes give the same alerts and calls', async () => {
    const events = repeated(await decodeCapture(DEMO), 2, 70 * 60_000);
    const ref = reference(events);
    const n = await pipelineTopic('p3split');
    running.push(
      startAnalyzer({ ...n, extra: ['--stage', 'detect'] }),
      startAnalyzer({ ...n, extra: ['--stage', 'dialog'] }),
    );
    await publish(n.topic, events, 1500);
    const split = await settle(ref, n.namespace, 90_000);
    const empty = summary({ alerts: compareAlerts(ref.alerts, ref.alerts), calls: compareCalls(ref.calls, ref.calls) });
    assert.equal(summary(split), empty);
    await stopDaemons(running);
  });

  void test('proof 4: poison is dead-lettered, counted and logged once, and the group goes on', async () => {
    const n = pipelineNames('p4');
    const events = await decodeCapture(DEMO);
    const ref = reference(events);
    await createTopic(n.topic, 4);
    const analyzer = startAnalyzer(n);
    running.push(analyzer);
    const poison = [
      { key: 'p1', value: 'this is not JSON {' },
      { key: 'p2', value: '{"@timestamp":"yesterday","sip":{}}' },
      { key: 'p3', value: '[1,2,3]' },
      { key: 'p4', value: JSON.stringify({ ...events[0], sip: { type: 'request', size: 10 } }) },
    ];
    await publish(n.topic, events.slice(0, 500), Infinity, poison);
    await publish(n.topic, events.slice(500));
    const result = await settle(ref, n.namespace, 90_000);
    const empty = summary({ alerts: compareAlerts(ref.alerts, ref.alerts), calls: compareCalls(ref.calls, ref.calls) });
    assert.equal(summary(result), empty);
    // The dead-letter topic holds the four messages with their reason.
    const consumer = kafka().consumer({ groupId: `${n.group}-dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [`${n.group}.dlq`], fromBeginning: true });
    const reasons: string[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        reasons.push(String(message.headers?.['sipward-error'] ?? ''));
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + 20_000;
    while (reasons.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    assert.deepEqual(reasons.sort(), ['bad_sip', 'bad_timestamp', 'not_an_object', 'not_json']);
    const logged = analyzer
      .stderr()
      .split('\n')
      .filter((l) => l.includes('dead-letter'));
    assert.equal(logged.length, 4, `one log line per reason, got ${logged.length}`);
    await stopDaemons(running);
  });

  void test('proof 5: the default analyzer runs its stages on two threads of one process, same results', async () => {
    const events = repeated(await decodeCapture(DEMO), 2, 70 * 60_000);
    const ref = reference(events);
    const empty = summary({ alerts: compareAlerts(ref.alerts, ref.alerts), calls: compareCalls(ref.calls, ref.calls) });
    const results: Record<string, string> = {};
    for (const [name, extra] of [
      ['default', []],
      ['one-thread', ['--stage-threads', '1']],
    ] as const) {
      const n = await pipelineTopic(`p5${name}`);
      const analyzer = startAnalyzer({ ...n, extra: [...extra] });
      running.push(analyzer);
      await publish(n.topic, events, 1500);
      results[name] = summary(await settle(ref, n.namespace, 90_000));
      const dump = await analyzer.dump<AnalyzerDump>();
      const log = analyzer.stderr();
      const assigned = (stage: string): boolean =>
        log.split('\n').some((l) => l.includes('"msg":"partitions assigned"') && l.includes(`"stage":"${stage}"`));
      if (name === 'default') {
        // Two threads: the worker's thread id is not the main thread's, and each stage did the work.
        assert.equal(dump.stage_threads.dialog, 0, JSON.stringify(dump.stage_threads));
        assert.ok((dump.stage_threads.detect ?? 0) > 0, JSON.stringify(dump.stage_threads));
        // One log stream: both stages' lines, each with its stage, from the one process.
        assert.ok(assigned('dialog') && assigned('detect'), log.slice(-3000));
        assert.equal(new Set([...log.matchAll(/"pid":(\d+)/g)].map((m) => m[1])).size, 1);
      } else {
        assert.deepEqual(dump.stage_threads, { dialog: 0, detect: 0 });
        assert.ok(!assigned('detect'), 'one thread: no stage bindings');
      }
      // The merged counters: every event through the dialog stage, the keyed records through detect.
      assert.equal(dump.dialog.events, events.length);
      assert.ok(dump.detect.processed > 0 && dump.detect.alerts >= ref.alerts.size, JSON.stringify(dump.detect));
      assert.ok(Object.keys(dump.detect_tasks).length > 0, 'the detect tasks answer the dump');
      await stopDaemons(running);
    }
    assert.equal(results.default, empty, 'two stage threads');
    assert.equal(results['one-thread'], empty, 'one stage thread');
  });
});
