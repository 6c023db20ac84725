// `sipward collect` against the real broker of `scripts/services up kafka`: every decoded event is
// on the topic exactly once, in the partition its Call-ID hashes to (batch records of JSON lines),
// with its headers and event time; and a broker
// restart in the middle of a run loses nothing and duplicates nothing (idempotent producer).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaMessage } from 'kafkajs';
import { SCHEMA_VERSION, type SipEvent } from '../../schema/src/sip-event';
import { CONTENT_TYPE_EVENT_BATCH, splitEventBatch } from '../../schema/src/event-records';
import { keyPartition } from '../../lib/src/kafka/client';
import { decodeInputs } from '../../collectors/src/decode';
import { toJsonLine } from '../../collectors/src/event/jsonl';
import { DEFAULT_SIP_PORTS } from '../../collectors/src/capture/live-interface';
import { toDecodeInputOptions } from '../../cli/src/input-options';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { kafkaBrokers, requireKafka, uniqueName, waitFor } from './services';
import { collectArgv, FROM_SOURCE } from '../../cli/src/test-support/collect-argv';
import { repoRoot } from '../../lib/src/repo-root';

const ROOT = repoRoot();

interface Run {
  child: ChildProcess;
  stderr: string;
  exit: Promise<number | null>;
}

/** `collect` arguments that publish one capture file to a topic of the test broker. */
function fileToTopic(capture: string, topic: string): string[] {
  return ['--file', capture, '--kafka', kafkaBrokers.join(','), '--topic', topic];
}

function startCollect(args: string[]): Run {
  const child = spawn(process.execPath, collectArgv(args), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { child, stderr: '', exit: Promise.resolve(null) };
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  child.stdout?.resume();
  run.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return run;
}

/** Waits for the child to exit; kills it (by its own pid) and fails after `timeoutMs`. */
async function exitOf(run: Run, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const result = await Promise.race([run.exit, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    run.child.kill('SIGKILL');
    throw new Error(`collect did not exit within ${timeoutMs} ms; stderr:\n${run.stderr.slice(-4000)}`);
  }
  return result;
}

interface LogLine {
  msg: string;
  [key: string]: unknown;
}
function logLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** What `sipward decode` makes of the capture, with the command's default options. */
async function decodedLines(capture: string): Promise<string[]> {
  const log = pino({ level: 'silent' });
  const input = toDecodeInputOptions(
    'test',
    [capture],
    {
      ports: [...DEFAULT_SIP_PORTS],
      dedup: true,
      decapsulate: true,
      vxlanPort: [4789],
      captureBackend: 'pcap',
    },
    log,
    () => undefined,
  );
  const lines: string[] = [];
  await decodeInputs(input, {
    onEvent: (e: SipEvent) => lines.push(toJsonLine(e).slice(0, -1)),
    afterBatch: async () => undefined,
  });
  return lines;
}

/** One event read back: the record that carried it and its line. */
interface Seen {
  partition: number;
  message: KafkaMessage;
  line: string;
}

void describe('sipward collect (real broker)', () => {
  const kafka = new Kafka({
    clientId: 'sipward-collect-it',
    brokers: kafkaBrokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
  let admin: Admin;
  const topics: string[] = [];

  before(async () => {
    await requireKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    if (admin === undefined) return;
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  });

  async function totalOffsets(topic: string): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  /** Reads the whole topic from the beginning (`expected` messages, bounded wait). */
  async function readTopic(topic: string, expected: number, timeoutMs = 120_000): Promise<Seen[]> {
    const seen: Seen[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('sipward-collect-it'), maxWaitTimeInMs: 250 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages)
            for (const line of splitEventBatch(message.value?.toString() ?? ''))
              seen.push({ partition: batch.partition, message, line });
        },
      });
      await waitFor(`${expected} events on ${topic}`, () => seen.length >= expected, timeoutMs);
      // Anything beyond `expected` (a duplicate) would arrive with the same fetches: give it a moment.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  void test("collect --file udp.pcap: every event exactly once, in its Call-ID's partition, headers, publish time", async () => {
    const capture = 'test/fixtures/captures/udp.pcap';
    const expected = await decodedLines(join(ROOT, capture));
    assert.ok(expected.length > 10, 'the fixture has SIP messages');
    const topic = uniqueName('sipward-it-collect');
    topics.push(topic);
    const startedAt = Date.now();

    const run = startCollect([
      ...fileToTopic(capture, topic),
      '--partitions',
      '4',
      // The drain timeout is for signals: a file read to its end is flushed whole (it used to drop
      // whatever was still queued once this ran out, with exit 0).
      '--drain-timeout',
      '0',
    ]);
    const code = await exitOf(run, 60_000);
    assert.equal(code, 0, run.stderr);
    const summary = logLines(run.stderr).find((l) => l.msg === 'collect finished');
    assert.equal(summary?.published, expected.length, run.stderr);
    assert.equal(summary?.dropped_total, 0);

    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0]?.partitions.length, 4, 'created with --partitions 4');

    const seen = await readTopic(topic, expected.length);
    assert.equal(seen.length, expected.length, 'no duplicates');
    assert.deepEqual(
      seen.map((s) => s.line).sort(),
      [...expected].map((l) => l.replace(/\n$/, '')).sort(),
      'the lines of the values are exactly the decode lines',
    );
    assert.ok(new Set(seen.map((s) => s.message)).size < seen.length, 'records carry several events');
    const partitionOfCall = new Map<string, number>();
    for (const { partition, message, line } of seen) {
      const e = JSON.parse(line) as SipEvent;
      const key = e.sip.call_id ?? e.event.id;
      assert.equal(partition, keyPartition(topic, key, 4), 'the partition its key hashes to (murmur2)');
      assert.equal(message.headers?.['schema-version']?.toString(), String(SCHEMA_VERSION));
      assert.equal(message.headers?.['content-type']?.toString(), CONTENT_TYPE_EVENT_BATCH);
      const published = Number(message.timestamp);
      assert.ok(published >= startedAt - 1000 && published <= Date.now() + 1000, 'record time = publish time');
      assert.ok(e['@timestamp'].length > 0);
      const p = partitionOfCall.get(key);
      if (p === undefined) partitionOfCall.set(key, partition);
      else assert.equal(partition, p, `Call-ID ${key} spread over partitions`);
    }
    assert.ok(partitionOfCall.size > 1, 'several calls');
    assert.ok(new Set(partitionOfCall.values()).size > 1, 'calls spread over partitions');
  });

  void test(
    'a broker restart mid-run: the collector recovers and the topic holds every event exactly once',
    { timeout: 600_000 },
    async () => {
      const dir = tempDir('sipward-collect-it-');
      const capture = join(dir, 'restart.pcap');
      const make = spawnSync(
        process.execPath,
        FROM_SOURCE
          ? ['--import', 'tsx', join(ROOT, 'bench/make-capture.ts'), capture, '--messages', '150000', '--sites', '300']
          : [join(ROOT, 'dist/bench/make-capture.js'), capture, '--messages', '150000', '--sites', '300'],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(make.status, 0, make.stderr);
      const expected = await decodedLines(capture);
      const expectedIds = new Set(expected.map((l) => (JSON.parse(l) as SipEvent).event.id));
      assert.equal(expectedIds.size, expected.length, 'event ids are unique in the capture');

      const topic = uniqueName('sipward-it-collect-restart');
      topics.push(topic);
      const run = startCollect([
        ...fileToTopic(capture, topic),
        '--queue-max',
        '20000',
        '--drain-timeout',
        '60',
        '--give-up-after',
        '180',
      ]);
      const services = (verb: string): void => {
        const r = spawnSync('bash', [join(ROOT, 'scripts/services'), verb, 'kafka'], {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 240_000,
        });
        assert.equal(r.status, 0, `scripts/services ${verb} kafka: ${r.stderr}`);
      };
      let downAt = 0;
      let upAt = 0;
      try {
        await waitFor('collect to create the topic', () => run.stderr.includes('"topic created"'), 60_000);
        await new Promise((r) => setTimeout(r, 1_500));
        services('down');
        downAt = Date.now();
        await new Promise((r) => setTimeout(r, 10_000));
        assert.equal(run.child.exitCode, null, 'collect is still running during the outage (file back-pressure)');
      } finally {
        // Whatever happened above, the broker others use is running again.
        services('up');
        upAt = Date.now();
      }
      const code = await exitOf(run, 300_000);
      assert.equal(code, 0, run.stderr.slice(-4000));
      const lines = logLines(run.stderr);
      const summary = lines.find((l) => l.msg === 'collect finished');
      assert.equal(summary?.published, expected.length, run.stderr.slice(-4000));
      assert.equal(summary?.dropped_total, 0);
      assert.ok(Number(summary?.retries) > 0, 'the outage caused retries');
      assert.ok(Number(summary?.outages) >= 1);
      assert.equal(lines.filter((l) => /kafka unavailable/.test(l.msg)).length, Number(summary?.outages));
      assert.equal(lines.filter((l) => /kafka available again/.test(l.msg)).length, Number(summary?.outages));

      const onTopic = await totalOffsets(topic);
      const seen = await readTopic(topic, expected.length, 180_000);
      const ids = new Map<string, number>();
      for (const { line } of seen) {
        const id = (JSON.parse(line) as SipEvent).event.id;
        ids.set(id, (ids.get(id) ?? 0) + 1);
      }
      const duplicates = [...ids.values()].reduce((sum, n) => sum + n - 1, 0);
      const missing = [...expectedIds].filter((id) => !ids.has(id)).length;
      console.log(
        `collect restart: ${expected.length} decoded, ${onTopic} records on the topic, ${missing} missing, ` +
          `${duplicates} duplicates; broker down ${Math.round((upAt - downAt) / 1000)} s, ` +
          `collector outage ${String(summary?.outage_seconds)} s, ${String(summary?.retries)} retries, ` +
          `queue high water ${String(summary?.queue_high_water)}`,
      );
      assert.equal(missing, 0, 'no event lost');
      assert.equal(duplicates, 0, 'the idempotent producer wrote no duplicate');
      assert.ok(onTopic > 0 && onTopic < expected.length, `${onTopic} batch records for ${expected.length} events`);
    },
  );
});
