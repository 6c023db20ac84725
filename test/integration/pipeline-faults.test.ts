// Proof 3 of the distributed pipeline (issue 6): faults while events flow, against the real
// services. Each case publishes a stream whose alerts and call records are known (the single-process
// engine on the same events), injects one fault mid-stream, and then requires that Elasticsearch
// holds exactly the reference: none missing, none extra (a duplicate incident has another id),
// every evidence count equal. The numbers are printed for the closing note.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ROOT,
  compareAlerts,
  compareCalls,
  decodeCapture,
  publish,
  reference,
  repeated,
  services,
  settle,
  startAnalyzer,
  untilCommitted,
  startCollector,
  summary,
  pipelineTopic,
  pipelineSuite,
  type Reference,
} from './pipeline-harness';
import { tempDir } from '../../lib/src/test-support/temp-dir';

const DEMO = join(ROOT, 'samples', 'demo-attacks.pcap');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function perfect(ref: Reference): string {
  return summary({ alerts: compareAlerts(ref.alerts, ref.alerts), calls: compareCalls(ref.calls, ref.calls) });
}

async function stream(): Promise<{ events: Awaited<ReturnType<typeof decodeCapture>>; ref: Reference }> {
  // 8 copies of the demo capture, 70 min apart: ~8 800 events, 64 incidents, ~2 000 calls.
  const events = repeated(await decodeCapture(DEMO), 8, 70 * 60_000);
  return { events, ref: reference(events) };
}

void describe('pipeline faults while events flow (proof 3)', { timeout: 900_000 }, () => {
  const running = pipelineSuite();
  after(() => {
    // Whatever happened, leave both services running for the rest of the suite.
    services('up', 'kafka');
    services('up', 'elasticsearch');
  });

  void test('Kafka broker stopped for 20 s and restarted', async () => {
    const { events, ref } = await stream();
    const n = await pipelineTopic('f-kafka');
    const analyzer = startAnalyzer(n);
    running.push(analyzer);
    const flowing = publish(n.topic, events, 400);
    await sleep(6000);
    services('down', 'kafka');
    await sleep(20_000);
    services('up', 'kafka');
    await flowing;
    const result = await settle(ref, n.namespace, 180_000);
    process.stdout.write(`# fault kafka-stop-20s: ${summary(result)}\n`);
    assert.equal(summary(result), perfect(ref), analyzer.stderr().slice(-3000));
    await analyzer.stop();
  });

  void test('Elasticsearch stopped for 30 s and restarted', async () => {
    const { events, ref } = await stream();
    const n = await pipelineTopic('f-es');
    const analyzer = startAnalyzer(n);
    running.push(analyzer);
    const flowing = publish(n.topic, events, 400);
    await sleep(6000);
    services('down', 'elasticsearch');
    await sleep(30_000);
    services('up', 'elasticsearch');
    await flowing;
    const result = await settle(ref, n.namespace, 180_000);
    process.stdout.write(`# fault elasticsearch-stop-30s: ${summary(result)}\n`);
    assert.equal(summary(result), perfect(ref), analyzer.stderr().slice(-3000));
    await analyzer.stop();
  });

  void test('analyzer killed with SIGKILL mid-stream and restarted', async () => {
    const { events, ref } = await stream();
    const n = await pipelineTopic('f-kill');
    const first = startAnalyzer(n);
    running.push(first);
    const flowing = publish(n.topic, events, 400);
    await sleep(8000);
    // Killed only once it committed something: the restart must then rebuild state from the log
    // (on a loaded machine the first acknowledged delivery can take longer than 8 s).
    assert.ok(await untilCommitted(n.group, n.topic, 60_000), 'the first analyzer committed offsets');
    await first.kill9();
    await sleep(2000);
    const second = startAnalyzer(n);
    running.push(second);
    await flowing;
    const result = await settle(ref, n.namespace, 180_000);
    process.stdout.write(`# fault analyzer-kill-9: ${summary(result)}\n`);
    assert.equal(summary(result), perfect(ref), second.stderr().slice(-3000));
    assert.match(second.stderr(), /rebuilding partition state/, 'the restarted analyzer rebuilt its partitions');
    await second.stop();
  });

  void test('collector killed mid-capture and restarted on the same file', async () => {
    // A larger capture so the collector is still publishing when it is killed.
    const dir = tempDir('sipward-faults-');
    const capture = join(dir, 'udp.pcap');
    const made = spawnSync(
      process.execPath,
      [
        join(ROOT, 'dist', 'bench', 'make-capture.js'),
        capture,
        '--messages',
        '60000',
        '--sites',
        '300',
        '--tcp-share',
        '0',
        // No scanner INVITEs that nobody answers: a call still ringing at the end of the stream is
        // written by `analyze` (end of input) but by the pipeline only after its setup timeout in
        // event time (README "Pipeline", known gaps); this proof is about the collector restart.
        '--attack-share',
        '0',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
    const ref = reference(await decodeCapture(capture));
    const n = await pipelineTopic('f-collect');
    const analyzer = startAnalyzer(n);
    running.push(analyzer);
    const first = startCollector({ topic: n.topic, files: [capture], extra: ['--batch-max', '200'] });
    running.push(first);
    await sleep(1500);
    await first.kill9();
    const second = startCollector({ topic: n.topic, files: [capture] });
    running.push(second);
    const code = await new Promise<number | null>((resolve) => second.child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, second.stderr().slice(-2000));
    const result = await settle(ref, n.namespace, 240_000);
    process.stdout.write(`# fault collector-restart: ${summary(result)}\n`);
    assert.equal(summary(result), perfect(ref), analyzer.stderr().slice(-3000));
    await analyzer.stop();
  });
});
