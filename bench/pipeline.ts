//! `npm run bench`, pipeline part: the distributed path through the real broker and the real
//! Elasticsearch (`scripts/services up`), measured in the same run:
//!   1. producer alone — `sipward collect` of a 1M-message uniform UDP capture, gzip and none;
//!   2. consumer alone — a bare kafkajs consumer (JSON.parse only), and the raw kafkajs produce
//!      ceiling (200k pre-encoded values, batches of 5000, no compression) with a CPU profile;
//!   3. end to end — `sipward analyzer` running, then `sipward collect`, on the uniform capture and
//!      on a realistic one with attacks among the traffic (incidents open all the time): each
//!      stage's rate, the ratio to the raw ceiling, RSS of collect and analyzer over the run — the
//!      analyzer as it starts by default (its stages on two threads of one process, on ≥ 2 cores)
//!      and with `--stage-threads 1` (SIPWARD_BENCH_PIPELINE_ONE_THREAD=0 leaves those runs out);
//!      then the same with the analyzer's two stages in two processes (`--stage`, the second core;
//!      SIPWARD_BENCH_PIPELINE_SPLIT=0 leaves these runs out);
//!   4. alert latency — a paced 10k msg/s live-like stream of attack traffic, capture time →
//!      alert document searchable.
//! Skipped (with a note) when SIPWARD_BENCH_PIPELINE=0 or the services do not answer;
//! SIPWARD_BENCH_PIPELINE_MESSAGES sets the captures' size (default 1M); SIPWARD_BENCH_PIPELINE_PARTS
//! (comma-separated: producer, raw, e2e, real, split, latency; default all) runs some of the parts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Session, type Profiler } from 'node:inspector';
import { CompressionTypes, Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { decodeInputs } from '../collectors/src/decode';
import { batchRecords, type SipEventRecord } from '../collectors/src/publish/kafka-publisher';
import { SCHEMA_VERSION } from '../schema/src/sip-event';
import { CONTENT_TYPE_EVENT } from '../schema/src/event-records';
import { createLogger } from '../lib/src/logger';
import { splitEventBatch } from '../schema/src/event-records';
import type { SipEvent } from '../schema/src/sip-event';
import { repoRoot } from '../lib/src/repo-root';
import { percentile } from '../lib/src/percentile';

export interface PipelineRow {
  tool: string;
  what: string;
  /** msgs/s for a rate, milliseconds for a latency, a plain number for a count. */
  value: number;
  unit: 'msgs/s' | 'ms' | 'count';
  note?: string;
}

export interface PipelineResult {
  rows: PipelineRow[];
  notes: string[];
  /** Why nothing was measured (services down, switched off). */
  skipped?: string;
}

export interface PipelineOptions {
  /** Repository root (bin/sipward.js, samples/, bench/out/); default: two levels above this file. */
  root?: string;
  /** SIP messages of the generated UDP capture. */
  messages?: number;
  /** Paced stream of the latency test. */
  latencyRate?: number;
  latencySeconds?: number;
}

const KAFKA = (process.env.SIPWARD_KAFKA ?? '127.0.0.1:9092').split(',').map((s) => s.trim());
const ES = (process.env.SIPWARD_ELASTICSEARCH ?? 'http://127.0.0.1:9200').replace(/\/+$/, '');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kafka(): Kafka {
  return new Kafka({ brokers: KAFKA, clientId: 'sipward-bench', logLevel: logLevel.NOTHING });
}

function tcpAnswers(hostPort: string, timeoutMs = 1500): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(hostPort.slice(i + 1)), hostPort.slice(0, i), () => done(true));
  });
}

async function servicesAnswer(): Promise<boolean> {
  if (!(await tcpAnswers(KAFKA[0] ?? '127.0.0.1:9092'))) return false;
  try {
    const res = await fetch(`${ES}/_cluster/health`, { signal: AbortSignal.timeout(3000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function es<T>(path: string, body?: unknown): Promise<{ status: number; json: T | undefined }> {
  const res = await fetch(`${ES}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as T) : undefined };
}

/** Documents of an index/alias/data stream after a refresh (0 while it does not exist). */
async function esCount(index: string): Promise<number> {
  await es(`/${index}/_refresh`, {}).catch(() => undefined);
  const r = await es<{ count?: number }>(`/${index}/_count`).catch(() => undefined);
  return r?.json?.count ?? 0;
}

/** Topic names, groups and namespaces unique to this run (namespace: [a-z0-9_.] only). */
function uniqueId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

async function createTopics(
  topics: Array<{ topic: string; partitions: number; configEntries?: Array<{ name: string; value: string }> }>,
): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        ...(t.configEntries !== undefined ? { configEntries: t.configEntries } : {}),
      })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafka().admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const gone = topics.filter((t) => existing.has(t));
    if (gone.length > 0) await admin.deleteTopics({ topics: gone, timeout: 10_000 });
  } catch {
    // Leftover bench topics cost disk only; never fail the run for them.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  /** The next SIGUSR2 stats line of an analyzer. */
  stats: () => Promise<AnalyzerStats | undefined>;
  stop: () => Promise<void>;
}

interface StageStats {
  partitions: number[];
  processed: number;
}

interface AnalyzerStats {
  stage_threads?: { dialog?: number; detect?: number };
  dialog: StageStats & { events: number; calls: number };
  detect: StageStats & { alerts: number; late: number; buffered?: number };
  indexer: Record<string, number>;
  bulks?: { bulks: number; largest_bulk: number; queued: number };
  memory?: { rss: number; heap_used: number; heap_total: number; external: number };
}

function spawnCli(root: string, args: string[], env: NodeJS.ProcessEnv = process.env, nodeArgs: string[] = []): Daemon {
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'sipward.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let err = '';
  let out = '';
  const waiting: Array<(s: AnalyzerStats | undefined) => void> = [];
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 4_000_000) err = err.slice(-2_000_000);
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl !== -1; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        const parsed = JSON.parse(line) as AnalyzerStats;
        waiting.shift()?.(parsed);
      } catch {
        // Not a stats line.
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stderr: () => err,
    stats: () =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(undefined)
        : new Promise((resolve) => {
            waiting.push(resolve);
            child.kill('SIGUSR2');
            setTimeout(() => {
              const i = waiting.indexOf(resolve);
              if (i !== -1) waiting.splice(i, 1);
              resolve(undefined);
            }, 3000);
          }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `sipward collect` of one capture: wall time of the whole process and its published count. */
async function collect(
  root: string,
  capture: string,
  topic: string,
  extra: string[] = [],
  onPid?: (pid: number | undefined) => void,
): Promise<{ seconds: number; published: number; dropped: number }> {
  const t0 = performance.now();
  const d = spawnCli(root, [
    '--log-level',
    'info',
    'collect',
    '--kafka',
    KAFKA.join(','),
    '--topic',
    topic,
    '--partitions',
    '4',
    '--file',
    capture,
    ...extra,
  ]);
  onPid?.(d.child.pid);
  // 'close', not 'exit': the summary line may still be in the stderr pipe when the process exits.
  const code = await new Promise<number | null>((resolve) => d.child.once('close', (c) => resolve(c)));
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`sipward collect exited ${code}: ${d.stderr().slice(-800)}`);
  // The summary is the last line with a published count (progress lines come before it).
  const published = [...d.stderr().matchAll(/"published":(\d+)/g)].at(-1);
  if (!published) throw new Error(`sipward collect printed no summary: ${d.stderr().slice(-800)}`);
  // A file's events are dropped only when the queue does not drain within --drain-timeout at the end.
  const dropped = Number([...d.stderr().matchAll(/"dropped_total":(\d+)/g)].at(-1)?.[1] ?? 0);
  return { seconds, published: Number(published[1]), dropped };
}

/** Where a run's analyzer log is kept (bench/out), for a post-mortem of a slow or stalled run. */
function analyzerLog(root: string, name: string): string {
  return join(root, 'bench', 'out', `pipeline-analyzer-${name}.log`);
}

function startAnalyzer(root: string, topic: string, group: string, namespace: string, extra: string[] = []): Daemon {
  // SIPWARD_BENCH_ANALYZER_NODE_OPTIONS: node flags for the analyzer alone (a heap limit, say).
  const nodeOptions = process.env.SIPWARD_BENCH_ANALYZER_NODE_OPTIONS;
  const env = nodeOptions === undefined ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions };
  // SIPWARD_BENCH_ANALYZER_NODE_ARGS: node flags NODE_OPTIONS refuses (--cpu-prof), space-separated.
  const nodeArgs = (process.env.SIPWARD_BENCH_ANALYZER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnCli(
    root,
    [
      '--log-level',
      'info',
      'analyzer',
      '--kafka',
      KAFKA.join(','),
      '--topic',
      topic,
      '--group',
      group,
      '--elasticsearch',
      ES,
      '--namespace',
      namespace,
      '--keyed-partitions',
      '4',
      '--config',
      join(root, 'config', 'site.example.yaml'),
      ...extra,
    ],
    env,
    nodeArgs,
  );
}

/**
 * Until both stages of the analyzer own partitions (read from its log: a SIGUSR2 before its handler
 * is installed would kill it), or 60 s.
 */
async function analyzerReady(d: Daemon, stages = 2): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (d.child.exitCode !== null || d.child.signalCode !== null)
      throw new Error(`analyzer exited: ${d.stderr().slice(-800)}`);
    if ((d.stderr().match(/"msg":"partitions assigned"/g) ?? []).length >= stages) {
      await sleep(500);
      return;
    }
    await sleep(100);
  }
  throw new Error(`analyzer did not join its group within 60 s: ${d.stderr().slice(-800)}`);
}

// ---------------------------------------------------------------------------------------------
// 2. bare kafkajs

/** Reads `expected` records from the start of a topic; rate from the first record to the last. */
async function consumeAll(
  topic: string,
  expected: number,
  /** Records kept for the raw produce runs (the first ones read). */
  keep: number,
): Promise<{ rate: number; joinSeconds: number; records: Message[] }> {
  const consumer = kafka().consumer({ groupId: `bench-consume-${uniqueId()}`, maxBytes: 50 << 20 });
  const records: Message[] = [];
  let count = 0;
  let first = 0;
  let last = 0;
  const t0 = performance.now();
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        for (const m of batch.messages) {
          if (m.value === null) continue;
          // collect writes batch records (JSON lines); each event is parsed, as the analyzer does.
          for (const line of splitEventBatch(m.value.toString('utf8'))) {
            const e = JSON.parse(line) as SipEvent;
            if (records.length < keep) records.push({ key: e.sip.call_id ?? e.event.id, value: line });
            count++;
          }
        }
        last = performance.now();
        if (count >= expected) resolveDone();
        return Promise.resolve();
      },
    });
    await Promise.race([done, sleep(120_000)]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  if (count < expected) throw new Error(`consumer read ${count} of ${expected} records of ${topic}`);
  return { rate: count / ((last - first) / 1000), joinSeconds: (first - t0) / 1000, records };
}

/** Sends pre-encoded records in batches, no compression, acks=all; messages/s and client CPU share. */
async function rawProduce(
  topic: string,
  records: readonly Message[],
  batchSize: number,
  inFlight: number,
): Promise<{ rate: number; cpuShare: number }> {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const batches: Message[][] = [];
    for (let i = 0; i < records.length; i += batchSize) batches.push(records.slice(i, i + batchSize));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length) {
        const messages = batches[next++] ?? [];
        await producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rate: records.length / seconds, cpuShare: (cpu.user + cpu.system) / 1e6 / seconds };
  } finally {
    await producer.disconnect();
  }
}

function packageVersion(root: string, name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '?';
  } catch {
    return '?';
  }
}

/**
 * The same raw produce through @platformatic/kafka when it is installed (ESM: a dynamic import),
 * for the comparison the kafkajs ceiling calls for; undefined when it is not.
 */
async function rawProducePlatformatic(
  root: string,
  topic: string,
  records: readonly Message[],
  batchSize: number,
): Promise<{ rate: number; cpuShare: number; version: string } | undefined> {
  const mod = await import('@platformatic/kafka').catch(() => undefined);
  if (mod === undefined) return undefined;
  const toBuffer = (b: Buffer | string | null | undefined): Buffer | undefined =>
    b === null || b === undefined ? undefined : typeof b === 'string' ? Buffer.from(b) : b;
  const messages = records.map((r) => ({ topic, key: toBuffer(r.key), value: toBuffer(r.value) }));
  const producer = new mod.Producer({ clientId: 'sipward-bench', bootstrapBrokers: KAFKA });
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < messages.length; i += batchSize)
      await producer.send({ messages: messages.slice(i, i + batchSize), acks: -1, compression: 'none' });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      rate: messages.length / seconds,
      cpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
      version: packageVersion(root, '@platformatic/kafka'),
    };
  } finally {
    await producer.close();
  }
}

/** Self time per function (top `n`, as shares of all samples) of `fn`, from the V8 sampling profiler. */
async function profile(fn: () => Promise<unknown>, n: number): Promise<string> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object): Promise<T> =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    await fn();
    const { profile: p } = await post<{ profile: Profiler.Profile }>('Profiler.stop');
    return selfTimeShares(p, n);
  } finally {
    session.disconnect();
  }
}

/** Pure: "name (file) 12%, …" of the hottest functions of a CPU profile by self samples. */
export function selfTimeShares(p: Profiler.Profile, n: number): string {
  const byNode = new Map<number, string>();
  for (const node of p.nodes) {
    const f = node.callFrame;
    const file = f.url.split('/').slice(-2).join('/');
    byNode.set(node.id, `${f.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`);
  }
  const counts = new Map<string, number>();
  for (const id of p.samples ?? []) {
    const name = byNode.get(id) ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const total = p.samples?.length ?? 0;
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => `${name} ${((100 * c) / Math.max(1, total)).toFixed(1)}%`)
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// 3. end to end

/** Resident set size of a process (MiB) from /proc; undefined once it is gone (or off Linux). */
function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) a process used so far, from /proc — all threads, or with `thread` one
 * of them (the main thread's id is the pid); undefined once it is gone.
 */
function cpuSeconds(pid: number | undefined, thread?: number): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** RSS samples of one process over a run (and its V8 heap in use, from its stats lines, and its CPU time). */
class RssTrack {
  readonly samples: number[] = [];
  readonly heap: number[] = [];
  /** CPU seconds at the last sample: steadier than wall time on a loaded machine. */
  cpu = NaN;
  /** … of the main thread alone (the rest: worker threads, V8's GC and compiler threads, libuv's pool). */
  mainCpu = NaN;
  sample(pid: number | undefined): void {
    const v = rssMiB(pid);
    if (v !== undefined) this.samples.push(v);
    const c = cpuSeconds(pid);
    if (c !== undefined) this.cpu = c;
    const m = cpuSeconds(pid, pid);
    if (m !== undefined) this.mainCpu = m;
  }
  /** "first → max → last MiB (n samples)": flat means max ≈ last well after the start. */
  describe(): string {
    const s = this.samples;
    if (s.length === 0) return 'no samples';
    const q = (f: number): number => s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? NaN;
    const h = this.heap;
    const hq = (f: number): number => h[Math.min(h.length - 1, Math.floor(f * h.length))] ?? NaN;
    const heap =
      h.length === 0
        ? ''
        : `; V8 heap in use ${[hq(0.25), hq(0.5), hq(0.75), h[h.length - 1] ?? NaN].map((v) => v.toFixed(0)).join('/')}`;
    const main = Number.isFinite(this.mainCpu) ? ` (main thread ${this.mainCpu.toFixed(1)} s)` : '';
    const cpu = Number.isFinite(this.cpu) ? `CPU ${this.cpu.toFixed(1)} s${main}, ` : '';
    return `${cpu}RSS MiB at 25/50/75/100 % of the run ${[q(0.25), q(0.5), q(0.75), s[s.length - 1] ?? NaN].map((v) => v.toFixed(0)).join('/')}, max ${Math.max(...s).toFixed(0)}${heap}`;
  }
}

/** Alert documents and the sum of their counts: changes whenever a newer version lands. */
async function alertProgress(index: string): Promise<{ docs: number; counts: number }> {
  await es(`/${index}/_refresh`, {}).catch(() => undefined);
  const r = await es<{ hits?: { total?: { value: number } }; aggregations?: { c?: { value: number } } }>(
    `/${index}/_search`,
    { size: 0, track_total_hits: true, aggs: { c: { sum: { field: 'sipward.count' } } } },
  ).catch(() => undefined);
  return { docs: r?.json?.hits?.total?.value ?? 0, counts: r?.json?.aggregations?.c?.value ?? 0 };
}

/** True when the group's committed offsets reached the topic's end on every partition. */
async function committedToEnd(topicName: string, groupId: string): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topicName);
    const committed = await admin.fetchOffsets({ groupId, topics: [topicName] });
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.every((e) => (at.get(e.partition) ?? -1) >= Number(e.high));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The analyzer of an end-to-end run (see endToEnd). */
type AnalyzerMode = 'default' | 'one-thread' | 'split';

/** Pure: how an analyzer's stages ran, from its stats (`stage_threads`: the thread of each stage). */
export function stageThreadsLabel(stats: { stage_threads?: { dialog?: number; detect?: number } } | undefined): string {
  const t = stats?.stage_threads;
  if (t === undefined) return 'stage threads unknown';
  if (t.dialog !== undefined && t.detect !== undefined)
    return t.dialog === t.detect ? 'both stages on one thread' : 'stages on two threads of one process';
  return `one stage (${t.dialog !== undefined ? 'dialog' : 'detect'}) per process`;
}

interface EndToEnd {
  published: number;
  /** Events collect dropped (its drain timeout at the end of the file). */
  dropped: number;
  collectSeconds: number;
  dialogSeconds: number;
  endSeconds: number;
  alerts: number;
  calls: number;
  last: AnalyzerStats | undefined;
  collectRss: RssTrack;
  analyzerRss: RssTrack;
  /** The detect process when the stages ran in two (`--stage`). */
  detectRss: RssTrack | undefined;
  detectLast: AnalyzerStats | undefined;
  stalled: boolean;
  /** Most keyed events the detect stage held for order at once (sampled with the stats). */
  bufferedMax: number;
}

/**
 * `sipward analyzer` running, then `sipward collect` of the capture. Done when every event passed
 * the dialog stage, the dialog group's offsets are committed to the end of the input topic, and
 * neither the alerts (documents and the sum of their counts) nor the call records changed for 3 s;
 * the end time is the last of those changes (the last output searchable).
 */
async function endToEnd(
  root: string,
  capture: string,
  name: string,
  id: string,
  topics: string[],
  /**
   * How the analyzer runs: as started by default (two stage threads on ≥ 2 cores), with
   * `--stage-threads 1`, or as two processes (`--stage dialog` + `--stage detect`).
   */
  mode: AnalyzerMode = 'default',
): Promise<EndToEnd> {
  const split = mode === 'split';
  const e2eTopic = `bench.${name}.${id}`;
  topics.push(e2eTopic, `${e2eTopic}.watermarks`);
  const group = `bench-${name}-${id}`;
  topics.push(`${group}.keyed`, `${group}.dlq`);
  const ns = `bench_${name}_${id}`;
  await createTopics([
    { topic: e2eTopic, partitions: 4 },
    { topic: `${e2eTopic}.watermarks`, partitions: 1 },
  ]);
  const detector = split ? startAnalyzer(root, e2eTopic, group, ns, ['--stage', 'detect']) : undefined;
  const analyzer = startAnalyzer(
    root,
    e2eTopic,
    group,
    ns,
    split ? ['--stage', 'dialog'] : mode === 'one-thread' ? ['--stage-threads', '1'] : [],
  );
  const collectRss = new RssTrack();
  const analyzerRss = new RssTrack();
  const detectRss = split ? new RssTrack() : undefined;
  try {
    if (detector !== undefined) await analyzerReady(detector, 1);
    await analyzerReady(analyzer, split ? 1 : 2);
    const t0 = performance.now();
    let collectPid: number | undefined;
    const collected = collect(root, capture, e2eTopic, [], (pid) => (collectPid = pid));
    let collectSeconds = NaN;
    let target = Infinity;
    void collected
      .then((c) => {
        target = c.published;
        collectSeconds = c.seconds;
        collectPid = undefined;
      })
      .catch(() => undefined);
    let dialogDone = NaN;
    let committedAt = NaN;
    let changedAt = t0;
    let progress = { docs: -1, counts: -1, calls: -1 };
    let last: AnalyzerStats | undefined;
    let bufferedMax = 0;
    const deadline = Date.now() + 600_000;
    const rssTimer = setInterval(() => {
      collectRss.sample(collectPid);
      analyzerRss.sample(analyzer.child.pid);
      detectRss?.sample(detector?.child.pid);
    }, 1000);
    try {
      while (Date.now() < deadline) {
        await sleep(500);
        const s = await analyzer.stats();
        if (s !== undefined) last = s;
        if (s?.memory !== undefined) analyzerRss.heap.push(s.memory.heap_used);
        if (s !== undefined) bufferedMax = Math.max(bufferedMax, s.detect.buffered ?? 0);
        if (detector !== undefined) {
          const d = await detector.stats();
          if (d?.memory !== undefined) detectRss?.heap.push(d.memory.heap_used);
          if (d !== undefined) bufferedMax = Math.max(bufferedMax, d.detect.buffered ?? 0);
        }
        if (Number.isNaN(dialogDone) && (last?.dialog.events ?? 0) >= target) dialogDone = performance.now();
        if (Number.isNaN(dialogDone)) continue;
        const a = await alertProgress(`logs-sipward.alert-${ns}`);
        const calls = await esCount(`logs-sipward.call-${ns}`);
        if (a.docs !== progress.docs || a.counts !== progress.counts || calls !== progress.calls) {
          progress = { ...a, calls };
          changedAt = performance.now();
        }
        if (Number.isNaN(committedAt) && (await committedToEnd(e2eTopic, group))) committedAt = performance.now();
        if (!Number.isNaN(committedAt) && performance.now() - changedAt > 3000) break;
      }
    } finally {
      clearInterval(rssTimer);
      analyzerRss.sample(analyzer.child.pid);
      detectRss?.sample(detector?.child.pid);
    }
    const c = await collected;
    const detectLast = await detector?.stats();
    const stalled = Number.isNaN(dialogDone) || Number.isNaN(committedAt);
    const end = Math.max(changedAt, committedAt, dialogDone);
    return {
      published: c.published,
      dropped: c.dropped,
      collectSeconds,
      dialogSeconds: (dialogDone - t0) / 1000,
      endSeconds: (end - t0) / 1000,
      alerts: progress.docs,
      calls: progress.calls,
      last,
      collectRss,
      analyzerRss,
      detectRss,
      detectLast,
      stalled,
      bufferedMax,
    };
  } finally {
    await analyzer.stop();
    await detector?.stop();
    writeFileSync(analyzerLog(root, name), analyzer.stderr() + (detector?.stderr() ?? ''));
  }
}

/** The rows of one end-to-end run; `ceiling` is the raw kafkajs produce rate of the same run. */
function endToEndRows(r: EndToEnd, label: string, ceiling: number | undefined): PipelineRow[] {
  const rate = (seconds: number): number => (r.stalled ? NaN : r.published / seconds);
  const ratio = (v: number): string =>
    ceiling === undefined || !Number.isFinite(v) ? '' : `; ${(v / ceiling).toFixed(2)} × raw kafkajs produce`;
  const total = rate(r.endSeconds);
  const dialog = rate(r.dialogSeconds);
  return [
    {
      tool: 'sipward collect (while the analyzer runs)',
      what: `${label}: collect → Kafka, process wall time`,
      value: r.published / r.collectSeconds,
      unit: 'msgs/s',
      note: `${r.published} published${r.dropped > 0 ? ` (${r.dropped} DROPPED)` : ''} in ${r.collectSeconds.toFixed(1)} s; collect ${r.collectRss.describe()}`,
    },
    {
      tool: 'collect → Kafka → analyzer dialog stage',
      what: `${label}: until every event passed the dialog stage`,
      value: dialog,
      unit: 'msgs/s',
      note: `${r.last?.dialog.events ?? 0} events, ${r.last?.dialog.processed ?? 0} records, ${r.dialogSeconds.toFixed(1)} s${ratio(dialog)}`,
    },
    {
      tool: 'collect → Kafka → analyzer → Elasticsearch',
      what: `${label}: until every alert and call record is searchable and offsets are committed`,
      value: total,
      unit: 'msgs/s',
      note:
        (r.stalled ? 'NOT DONE within 600 s; ' : '') +
        `${r.alerts} alerts, ${r.calls} call records, detect stage ${(r.detectLast ?? r.last)?.detect.processed ?? 0} keyed records, ` +
        `${r.last?.bulks?.bulks ?? '?'} bulks (largest ${r.last?.bulks?.largest_bulk ?? '?'} docs), ${r.endSeconds.toFixed(1)} s${ratio(total)}; ` +
        `reorder buffer max ${r.bufferedMax} keyed events; ` +
        `${stageThreadsLabel(r.last)}; ` +
        (r.detectRss === undefined
          ? `analyzer ${r.analyzerRss.describe()}`
          : `dialog process ${r.analyzerRss.describe()}; detect process ${r.detectRss.describe()}`),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 4. alert latency

// Placeholders JSON.stringify leaves as they are (control characters would be escaped).
const TS = '\u00a7TS\u00a7';
const COPY = '\u00a7C\u00a7';
const NET = '\u00a7N\u00a7';

/**
 * Pure: one JSON template per event, with placeholders for the send time and the copy number, so
 * a copy costs three string replaces. Each copy gets its own 10.x.y.0/24 in place of the capture's
 * 10.77.0.0/24 (its own attackers, hence its own incidents), its own event ids and Call-IDs.
 */
export function eventTemplates(events: readonly SipEvent[]): Array<{ key: string; value: string }> {
  return events.map((e) => {
    const copy = structuredClone(e);
    copy['@timestamp'] = TS;
    copy.event.id = `${e.event.id}-${COPY}`;
    if (copy.sip.call_id !== undefined) copy.sip.call_id = `${copy.sip.call_id}-${COPY}`;
    const key = (copy.sip.call_id ?? copy.event.id).replaceAll('10.77.0.', NET);
    return { key, value: JSON.stringify(copy).replaceAll('10.77.0.', NET) };
  });
}

export function instantiate(template: string, copy: number, timestamp: string): string {
  const net = `10.${100 + ((copy >> 8) % 150)}.${copy & 255}.`;
  return template.replaceAll(NET, net).replaceAll(COPY, String(copy)).replace(TS, timestamp);
}

/** Most events of one produce request of the paced producer (collect's --batch-max default). */
const LATENCY_BATCH_MAX = 2000;

/** The decoder's timestamp shape (µs precision, Z). */
function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

interface LatencyResult {
  sent: number;
  seconds: number;
  alerts: number;
  fromEnd: number[];
  fromStart: number[];
  truncated: boolean;
}

/**
 * Publishes `rate` events/s for `seconds` as the collector does (its batch records: each event on
 * the partition its Call-ID hashes to, the events of a partition in one record, gzip; a source
 * watermark after every acknowledged request, a final one) while polling the alert alias every
 * 200 ms; latency of a document = first poll that finds it − its event time (the send time). Until
 * 2026-12-07 it sent one record per event and reached ~1.7k of the 10k events/s asked.
 */
async function alertLatency(
  templates: ReadonlyArray<{ key: string; value: string }>,
  topic: string,
  partitions: number,
  alertIndex: string,
  rate: number,
  seconds: number,
  onSent: () => void,
): Promise<LatencyResult> {
  const firstSeen = new Map<string, number>();
  const fromEnd: number[] = [];
  const fromStart: number[] = [];
  let truncated = false;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const tick = Date.now();
      try {
        await es(`/${alertIndex}/_refresh`, {});
        const r = await es<{
          hits?: {
            total?: { value: number };
            hits: Array<{ _id: string; _source: { event: { start: string; end: string } } }>;
          };
        }>(`/${alertIndex}/_search`, {
          size: 10_000,
          track_total_hits: true,
          _source: ['event.start', 'event.end'],
          sort: [{ 'event.end': 'desc' }],
        });
        const seen = Date.now();
        if ((r.json?.hits?.total?.value ?? 0) > 10_000) truncated = true;
        for (const hit of r.json?.hits?.hits ?? []) {
          if (firstSeen.has(hit._id)) continue;
          firstSeen.set(hit._id, seen);
          fromEnd.push(seen - Date.parse(hit._source.event.end));
          fromStart.push(seen - Date.parse(hit._source.event.start));
        }
      } catch {
        // The alias appears with the first alert.
      }
      await sleep(Math.max(0, 200 - (Date.now() - tick)));
    }
  })();

  const producer = kafka().producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const observer = `bench-${topic}`;
  let acked = -1;
  const watermark = (end: boolean): Promise<unknown> =>
    producer.send({
      topic: `${topic}.watermarks`,
      acks: -1,
      messages: [{ key: observer, value: JSON.stringify({ observer, t: acked, w: Date.now(), end }) }],
    });
  const total = Math.round(rate * seconds);
  const t0 = Date.now();
  let sent = 0;
  try {
    while (sent < total) {
      // Everything due by now goes in one request, as in collect's loop (its queue fills while a
      // send is in flight): a slow send makes the next batch bigger, not the rate lower.
      const now = Date.now();
      const due = Math.min(total, Math.floor(((now - t0) / 1000) * rate) + 1);
      if (due <= sent) {
        await sleep(Math.max(1, t0 + ((sent + 1) / rate) * 1000 - now));
        continue;
      }
      const ts = stamp(now);
      const events: SipEventRecord[] = [];
      for (let n = sent; n < Math.min(due, sent + LATENCY_BATCH_MAX); n++) {
        const copy = Math.floor(n / templates.length);
        const t = templates[n % templates.length] ?? { key: '', value: '' };
        events.push({
          key: instantiate(t.key, copy, ''),
          value: instantiate(t.value, copy, ts),
          headers: { 'schema-version': String(SCHEMA_VERSION), 'content-type': CONTENT_TYPE_EVENT },
          timestamp: String(now),
          eventMs: now,
        });
      }
      // collect's own records: the events of one partition share a record (batch records, gzip).
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: batchRecords(events, topic, partitions),
      });
      sent += events.length;
      acked = Math.max(acked, now);
      await watermark(false);
    }
    await watermark(true);
  } finally {
    await producer.disconnect();
  }
  const sendSeconds = (Date.now() - t0) / 1000;
  onSent();
  // Alerts of the last windows: wait until no new document shows for 5 s (at most 60 s).
  const deadline = Date.now() + 60_000;
  let lastCount = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(500);
    if (firstSeen.size !== lastCount) {
      lastCount = firstSeen.size;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 5000) break;
  }
  polling = false;
  await poller;
  return { sent, seconds: sendSeconds, alerts: firstSeen.size, fromEnd, fromStart, truncated };
}

/** The rows of one latency run. */
function latencyRows(
  r: LatencyResult,
  atSendEnd: AnalyzerStats | undefined,
  last: AnalyzerStats | undefined,
): PipelineRow[] {
  const end = [...r.fromEnd].sort((a, b) => a - b);
  const start = [...r.fromStart].sort((a, b) => a - b);
  const what = `alert latency at ${Math.round(r.sent / r.seconds)} msgs/s for ${r.seconds.toFixed(0)} s`;
  const behind =
    atSendEnd !== undefined
      ? `; analyzer had read ${atSendEnd.dialog.events} of ${r.sent} events when sending ended`
      : '';
  const note = `${r.alerts} alerts${r.truncated ? ' (more than 10000: first 10000 only)' : ''}, late events ${last?.detect.late ?? '?'}${behind}`;
  const row = (label: string, value: number): PipelineRow => ({
    tool: 'paced producer → analyzer → ES',
    what: `${what}, ${label}`,
    value,
    unit: 'ms',
  });
  return [
    { tool: 'paced producer → analyzer → ES', what: `${what}: alert documents`, value: r.alerts, unit: 'count', note },
    row('event.end → searchable p50', percentile(end, 50)),
    row('event.end → searchable p99', percentile(end, 99)),
    row('event.end → searchable max', end.at(-1) ?? NaN),
    row('event.start → searchable p50', percentile(start, 50)),
    row('event.start → searchable p99', percentile(start, 99)),
  ];
}

// ---------------------------------------------------------------------------------------------

/**
 * The uniform capture (2 000 sites: registrations, calls, keepalives, no attacks), or the realistic
 * one: the same traffic with make-capture's own attackers (5 %) and a copy of
 * samples/demo-attacks.pcap (sweep, enumeration, cracking, flood)
 * starting every second of capture time in its own site range, so ~40 attacks run at any time and
 * incidents are open for the whole capture (bench/attack-overlay.ts).
 */
export function ensureCapture(root: string, messages: number, attacks = false): string {
  const out = join(root, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  // Own names: the throughput part's captures (run.ts) are built with other options.
  const path = join(out, `pipeline-${attacks ? 'realistic' : 'uniform'}-${messages}.pcap`);
  if (!existsSync(path)) {
    const made = spawnSync(
      process.execPath,
      [
        join(root, 'dist', 'bench', 'make-capture.js'),
        path,
        '--messages',
        String(messages),
        '--tcp-share',
        '0',
        '--sites',
        '2000',
        // make-capture's own attackers (--attack-share) stay off the uniform capture.
        ...(attacks
          ? ['--attacks', join(root, 'samples', 'demo-attacks.pcap'), '--attack-every-ms', '1000']
          : ['--attack-share', '0']),
      ],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`make-capture failed: ${made.stderr}`);
  }
  return path;
}

async function decodeFile(file: string): Promise<SipEvent[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [file], log: createLogger('silent') },
    { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
  );
  return events;
}

export async function runPipelineBenchmarks(options: PipelineOptions = {}): Promise<PipelineResult> {
  if (process.env.SIPWARD_BENCH_PIPELINE === '0')
    return { rows: [], notes: [], skipped: 'skipped: SIPWARD_BENCH_PIPELINE=0' };
  if (!(await servicesAnswer()))
    return {
      rows: [],
      notes: [],
      skipped: `skipped: services not running (Kafka ${KAFKA.join(',')}, Elasticsearch ${ES}; start with scripts/services up)`,
    };
  const root = options.root ?? repoRoot();
  const messages = options.messages ?? Number(process.env.SIPWARD_BENCH_PIPELINE_MESSAGES ?? 1_000_000);
  const rate = options.latencyRate ?? 10_000;
  const latencySeconds = options.latencySeconds ?? 20;
  const capture = ensureCapture(root, messages);
  const realistic = ensureCapture(root, messages, true);
  const id = uniqueId();
  const rows: PipelineRow[] = [];
  const notes: string[] = [];
  const topics: string[] = [];
  const topic = (name: string): string => {
    const t = `bench.${name}.${id}`;
    topics.push(t, `${t}.watermarks`);
    return t;
  };
  const parts = pipelineParts(process.env.SIPWARD_BENCH_PIPELINE_PARTS);
  const label = `${messages / 1000}k-msg uniform UDP capture`;
  const realisticLabel = `${messages / 1000}k-msg realistic capture (attacks among the traffic)`;
  // Other work on the 2 cores (a test suite on the same broker) skews every number: show it.
  const load = (): string =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  notes.push(`load average at start: ${load()}`);
  // One failed part (a consumer group that never joins, a service restarted by someone else) is
  // reported and the next part still runs.
  const stage = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      notes.push(`FAILED ${name}: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
    }
  };

  try {
    let rawCeiling: number | undefined;
    // 1. producer alone (also what part 2 reads)
    if (parts.has('producer') || parts.has('raw')) {
      const gzipTopic = topic('gzip');
      const gz = await collect(root, capture, gzipTopic);
      rows.push({
        tool: 'sipward collect (gzip, default)',
        what: `producer alone: ${label} → 4-partition topic, process wall time`,
        value: gz.published / gz.seconds,
        unit: 'msgs/s',
        note: `${gz.published} published in ${gz.seconds.toFixed(2)} s`,
      });
      const plainTopic = topic('none');
      const plain = await collect(root, capture, plainTopic, ['--compression', 'none']);
      rows.push({
        tool: 'sipward collect --compression none',
        what: `producer alone: ${label}, process wall time`,
        value: plain.published / plain.seconds,
        unit: 'msgs/s',
        note: `${plain.published} published in ${plain.seconds.toFixed(2)} s`,
      });

      if (parts.has('raw'))
        await stage('consumer alone / raw produce', async () => {
          // 2. consumer alone, raw produce ceiling
          const cGz = await consumeAll(gzipTopic, gz.published, 0);
          rows.push({
            tool: 'kafkajs consumer (eachBatch + JSON.parse)',
            what: 'consumer alone, gzip topic (first → last record)',
            value: cGz.rate,
            unit: 'msgs/s',
            note: `group join ${cGz.joinSeconds.toFixed(1)} s not counted`,
          });
          const cPlain = await consumeAll(plainTopic, plain.published, 200_000);
          rows.push({
            tool: 'kafkajs consumer (eachBatch + JSON.parse)',
            what: 'consumer alone, uncompressed topic (first → last record)',
            value: cPlain.rate,
            unit: 'msgs/s',
            note: `group join ${cPlain.joinSeconds.toFixed(1)} s not counted`,
          });
          const rawTopic = topic('raw');
          // 5000 uncompressed events make ~1 MB record batches per partition: above the broker's default limit.
          await createTopics([
            { topic: rawTopic, partitions: 4, configEntries: [{ name: 'max.message.bytes', value: String(16 << 20) }] },
          ]);
          const raw = await rawProduce(rawTopic, cPlain.records, 5000, 1);
          rawCeiling = raw.rate;
          rows.push({
            tool: 'kafkajs producer (pre-encoded values)',
            what: 'raw produce ceiling: batches of 5000, no compression, acks=all, 1 in flight',
            value: raw.rate,
            unit: 'msgs/s',
            note: `client CPU ${(100 * raw.cpuShare).toFixed(0)}% of one core`,
          });
          const raw4 = await rawProduce(rawTopic, cPlain.records, 5000, 4);
          rows.push({
            tool: 'kafkajs producer (pre-encoded values)',
            what: 'raw produce ceiling: batches of 5000, no compression, acks=all, 4 in flight',
            value: raw4.rate,
            unit: 'msgs/s',
            note: `client CPU ${(100 * raw4.cpuShare).toFixed(0)}% of one core`,
          });
          const hot = await profile(() => rawProduce(rawTopic, cPlain.records, 5000, 1), 8);
          notes.push(`kafkajs raw produce, self-time profile (top 8): ${hot}`);
          const alt = await rawProducePlatformatic(root, rawTopic, cPlain.records, 5000);
          if (alt !== undefined)
            rows.push({
              tool: `@platformatic/kafka ${alt.version} producer (same values)`,
              what: 'raw produce ceiling: batches of 5000, no compression, acks=all, 1 in flight',
              value: alt.rate,
              unit: 'msgs/s',
              note: `client CPU ${(100 * alt.cpuShare).toFixed(0)}% of one core`,
            });
          else notes.push('@platformatic/kafka is not installed: no second Kafka client to compare kafkajs with');
          cPlain.records.length = 0;
        });
    }

    // 3. end to end, on the uniform capture and on the realistic one (incidents open most of the time)
    let e2eRate = NaN;
    // Each capture with the default analyzer and, right after it (the same machine state), with one
    // stage thread: the gain of the second thread is the ratio of the two rows.
    const twoThreads = 'analyzer default (stages on 2 threads)';
    const oneThread = 'analyzer --stage-threads 1';
    for (const [name, file, what, mode, part] of [
      ['e2e', capture, `${label}, ${twoThreads}`, 'default', 'e2e'],
      ['e2e1', capture, `${label}, ${oneThread}`, 'one-thread', 'e2e'],
      ['e2ereal', realistic, `${realisticLabel}, ${twoThreads}`, 'default', 'real'],
      ['e2ereal1', realistic, `${realisticLabel}, ${oneThread}`, 'one-thread', 'real'],
      ['e2esplit', capture, `${label}, stages in two processes`, 'split', 'split'],
      ['e2erealsplit', realistic, `${realisticLabel}, stages in two processes`, 'split', 'split'],
    ] as const) {
      if (mode === 'split' && process.env.SIPWARD_BENCH_PIPELINE_SPLIT === '0') continue;
      if (mode === 'one-thread' && process.env.SIPWARD_BENCH_PIPELINE_ONE_THREAD === '0') continue;
      if (!parts.has(part)) continue;
      await stage(`end to end (${what})`, async () => {
        const r = await endToEnd(root, file, name, id, topics, mode);
        rows.push(...endToEndRows(r, what, rawCeiling));
        if (name === 'e2e' && !r.stalled) e2eRate = r.published / r.endSeconds;
      });
    }

    // 4. alert latency: at the target rate, then at half the end-to-end rate just measured (the
    // pipeline's own latency when it is not behind).
    const templates = eventTemplates(await decodeFile(join(root, 'samples', 'demo-attacks.pcap')));
    const runLatency = async (name: string, r: number, secs: number): Promise<void> => {
      const latTopic = topic(name);
      const group = `bench-${name}-${id}`;
      topics.push(`${group}.keyed`, `${group}.dlq`);
      await createTopics([
        { topic: latTopic, partitions: 4 },
        { topic: `${latTopic}.watermarks`, partitions: 1 },
      ]);
      const analyzer = startAnalyzer(root, latTopic, group, `bench_${name}_${id}`);
      try {
        await analyzerReady(analyzer);
        let atSendEnd: Promise<AnalyzerStats | undefined> = Promise.resolve(undefined);
        const result = await alertLatency(
          templates,
          latTopic,
          4,
          `logs-sipward.alert-bench_${name}_${id}`,
          r,
          secs,
          () => {
            atSendEnd = analyzer.stats();
          },
        );
        rows.push(...latencyRows(result, await atSendEnd, await analyzer.stats()));
      } finally {
        await analyzer.stop();
        writeFileSync(analyzerLog(root, name), analyzer.stderr());
      }
    };
    if (parts.has('latency')) {
      await stage(`alert latency at ${rate} msgs/s`, () => runLatency('lat', rate, latencySeconds));
      // Without an end-to-end rate (stalled run) 2000 msgs/s stands in for "well below capacity".
      const lowRate = Number.isFinite(e2eRate) ? Math.max(500, Math.round(e2eRate / 2 / 100) * 100) : 2000;
      if (lowRate < rate)
        await stage(`alert latency at ${lowRate} msgs/s`, () =>
          runLatency('latlow', lowRate, Math.min(10, latencySeconds)),
        );
    }
    notes.push(
      'alert latency: event.end is the capture time of the newest evidence when the document is first found ' +
        '(the message that made the alert), event.start that of the first; the poller refreshes and searches ' +
        'every 200 ms (resolution), the pipeline ticks its watermark every 100 ms with 100 ms lateness; ' +
        'load generator, broker, Elasticsearch and analyzer (default: stages on 2 threads) share the 2 cores',
    );
  } catch (error) {
    // The decode tables printed before this part must not be lost to a pipeline failure.
    notes.push(`FAILED pipeline: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
  } finally {
    await deleteTopics(topics);
  }
  notes.push(`load average at end: ${load()}`);
  return { rows, notes };
}

const PIPELINE_PARTS = ['producer', 'raw', 'e2e', 'real', 'split', 'latency'] as const;
type PipelinePart = (typeof PIPELINE_PARTS)[number];

/** Pure: the parts SIPWARD_BENCH_PIPELINE_PARTS names (all when unset or empty); an unknown name throws. */
export function pipelineParts(spec: string | undefined): Set<PipelinePart> {
  const names = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) return new Set(PIPELINE_PARTS);
  const known = new Set<string>(PIPELINE_PARTS);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0)
    throw new Error(
      `SIPWARD_BENCH_PIPELINE_PARTS: unknown part ${unknown.join(', ')} (known: ${PIPELINE_PARTS.join(', ')})`,
    );
  return new Set(names as PipelinePart[]);
}

/** Pure: the markdown table of the pipeline rows. */
export function pipelineTable(result: PipelineResult): string[] {
  if (result.skipped !== undefined) return [`pipeline benchmark ${result.skipped}`];
  const fmt = (r: PipelineRow): string =>
    Number.isFinite(r.value)
      ? `${Math.round(r.value).toLocaleString('en-US')}${r.unit === 'count' ? '' : ` ${r.unit === 'ms' ? 'ms' : 'msgs/s'}`}`
      : 'n/a';
  return [
    '| pipeline (real Kafka + Elasticsearch) | what | msgs/s or latency | note |',
    '|---|---|---:|---|',
    ...result.rows.map((r) => `| ${r.tool} | ${r.what} | ${fmt(r)} | ${r.note ?? ''} |`),
    ...result.notes.map((n) => `\n${n}`),
  ];
}
