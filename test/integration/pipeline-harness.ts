// The pipeline proofs' tools: real processes (`sipward collect`, `sipward analyzer`), the real
// broker and the real Elasticsearch, and the single-process engine as the reference the
// distributed results must equal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Alert } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';
import type { SipEvent } from '../../schema/src/sip-event';
import { CallTracker } from '../../analyzer/src/calls/call-tracker';
import { DetectionEngine } from '../../analyzer/src/engine/engine';
import { loadSignatures } from '../../analyzer/src/engine/load/load-signatures';
import type { SiteConfig } from '../../analyzer/src/site/site-config';
import { decodeInputs } from '../../collectors/src/decode';
import { createLogger } from '../../lib/src/logger';
import { elasticsearchUrl, kafkaBrokers, requirePipelineServices, uniqueName } from './services';
import { repoRoot } from '../../lib/src/repo-root';

export const ROOT = repoRoot();
export const BIN = join(ROOT, 'bin', 'sipward.js');
/** Daemon logs of the pipeline tests. */
export const LOG_DIR = join(tmpdir(), 'sipward-pipeline-logs');

export async function decodeCapture(file: string): Promise<SipEvent[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [file], log: createLogger('silent') },
    { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
  );
  return events;
}

/**
 * `reps` copies of a capture's events, each `gapMs` later than the previous one, with event ids and
 * Call-IDs made unique per copy: a long stream with many incidents and calls from one small capture.
 */
export function repeated(events: readonly SipEvent[], reps: number, gapMs: number): SipEvent[] {
  const out: SipEvent[] = [];
  for (let r = 0; r < reps; r++) {
    for (const e of events) {
      const copy = structuredClone(e);
      // Earlier copies first, the last copy at the capture's own time (never stamped in the future).
      const t = Date.parse(e['@timestamp']) - (reps - 1 - r) * gapMs;
      const micros = e['@timestamp'].match(/\.(\d{6})Z$/)?.[1] ?? '000000';
      copy['@timestamp'] = `${new Date(t).toISOString().slice(0, 19)}.${micros}Z`;
      copy.event.id = `${e.event.id}-r${r}`;
      if (copy.sip.call_id !== undefined) copy.sip.call_id = `${copy.sip.call_id}-r${r}`;
      out.push(copy);
    }
  }
  return out;
}

export interface Reference {
  alerts: Map<string, Alert>;
  calls: Map<string, CallRecord>;
}

/** What `sipward analyze` computes for these events: one engine, one process, end of input flushed. */
export function reference(events: readonly SipEvent[], site?: SiteConfig): Reference {
  const alerts = new Map<string, Alert>();
  const calls = new Map<string, CallRecord>();
  const engine = new DetectionEngine(loadSignatures({ extraDirs: [] }), {
    emitUpdates: false,
    ...(site !== undefined ? { site } : {}),
    onAlert: (alert, phase) => {
      if (phase === 'final') alerts.set(alert.event.id, alert);
    },
  });
  const tracker = new CallTracker({ onCall: (c) => calls.set(c.event.id, c) });
  for (const e of events) {
    engine.process(e);
    tracker.process(e);
  }
  engine.flush();
  tracker.flush();
  return { alerts, calls };
}

export function kafka(): Kafka {
  return new Kafka({ brokers: kafkaBrokers, clientId: 'sipward-pipeline-test', logLevel: logLevel.NOTHING });
}

/** Until the group has committed an offset past 0 on some partition of the topic (bounded wait). */
export async function untilCommitted(groupId: string, topic: string, timeoutMs: number): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      if ((offsets[0]?.partitions ?? []).some((p) => Number(p.offset) > 0)) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic, numPartitions: partitions },
        { topic: `${topic}.watermarks`, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Publishes like `sipward collect` does (key Call-ID, record time = event time, a source watermark
 * after every acknowledged batch and a final one), `perSecond` at most.
 */
export async function publish(
  topic: string,
  events: readonly SipEvent[],
  perSecond = Infinity,
  extra: Array<{ key?: string; value: string }> = [],
): Promise<void> {
  const producer = kafka().producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 100, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  await producer.connect();
  // Like the collector: a broker outage is waited out (bounded), never a lost batch.
  const send = async (record: Parameters<typeof producer.send>[0]): Promise<void> => {
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        await producer.send(record);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  try {
    const batch = Number.isFinite(perSecond) ? Math.max(1, Math.floor(perSecond / 10)) : 1000;
    const started = Date.now();
    const observer = `harness-${topic}-${Date.now()}`;
    let acked = -1;
    const watermark = (end: boolean): Promise<unknown> =>
      send({
        topic: `${topic}.watermarks`,
        acks: -1,
        messages: [{ key: observer, value: JSON.stringify({ observer, t: acked, w: Date.now(), end }) }],
      });
    for (let i = 0; i < events.length; i += batch) {
      const slice = events.slice(i, i + batch);
      await send({
        topic,
        acks: -1,
        messages: slice.map((e) => ({
          key: e.sip.call_id ?? e.event.id,
          value: JSON.stringify(e),
          headers: { 'schema-version': '1' },
        })),
      });
      for (const e of slice) acked = Math.max(acked, Date.parse(e['@timestamp']));
      await watermark(false);
      if (Number.isFinite(perSecond)) {
        const due = started + ((i + slice.length) / perSecond) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
    if (extra.length > 0) await send({ topic, acks: -1, messages: extra });
    await watermark(true);
  } finally {
    await producer.disconnect();
  }
}

/** A fresh topic, its consumer group and the index namespace for one pipeline run. */
export function pipelineNames(prefix: string): { topic: string; group: string; namespace: string } {
  const base = uniqueName(prefix);
  return { topic: base, group: `${base}-g`, namespace: base.replace(/-/g, '_') };
}

/** pipelineNames(prefix), its topic created with 4 partitions. */
export async function pipelineTopic(prefix: string): Promise<{ topic: string; group: string; namespace: string }> {
  const n = pipelineNames(prefix);
  await createTopic(n.topic, 4);
  return n;
}

/** Stops (SIGTERM, then SIGKILL after a grace) every daemon in `daemons`, emptying it. */
export async function stopDaemons(daemons: Daemon[]): Promise<void> {
  await Promise.all(daemons.splice(0).map((d) => d.stop()));
}

/**
 * Hooks the enclosing suite up to the pipeline's services: Kafka and Elasticsearch must answer
 * before it runs, and every daemon pushed to the returned list is stopped after it.
 */
export function pipelineSuite(): Daemon[] {
  const running: Daemon[] = [];
  before(requirePipelineServices);
  after(() => stopDaemons(running));
  return running;
}

export interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<void>;
  kill9: () => Promise<void>;
  /** The analyzer's SIGUSR2 counters (AnalyzerDaemon.stats() and detect_tasks). */
  dump: <T>() => Promise<T>;
}

function spawnDaemon(args: string[], env: NodeJS.ProcessEnv = {}): Daemon {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  // The whole log stays on disk for a post-mortem (the assertion messages carry only its tail).
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(
    LOG_DIR,
    `${args.find((a) => a === 'analyzer' || a === 'collect') ?? 'daemon'}-${child.pid ?? 0}.log`,
  );
  child.stderr?.on('data', (d: Buffer) => {
    appendFileSync(logFile, d);
    err += d.toString();
    if (err.length > 2_000_000) err = err.slice(-1_000_000);
  });
  // SIGUSR2 makes the analyzer print its counters as one JSON line on stdout.
  let out = '';
  const dumps: Array<(line: string) => void> = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl !== -1; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('{')) dumps.shift()?.(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    child,
    stderr: () => err,
    stop: () => stopWith('SIGTERM', 15_000),
    kill9: () => stopWith('SIGKILL', 1000),
    dump: async <T>(): Promise<T> => {
      const line = new Promise<string>((resolve, reject) => {
        dumps.push(resolve);
        setTimeout(() => reject(new Error('no SIGUSR2 dump within 10 s')), 10_000).unref();
      });
      child.kill('SIGUSR2');
      return JSON.parse(await line) as T;
    },
  };
}

export function startAnalyzer(o: {
  topic: string;
  group: string;
  namespace: string;
  config?: string;
  extra?: string[];
}): Daemon {
  return spawnDaemon([
    '--log-level',
    'info',
    'analyzer',
    '--kafka',
    kafkaBrokers.join(','),
    '--topic',
    o.topic,
    '--group',
    o.group,
    '--elasticsearch',
    elasticsearchUrl,
    '--namespace',
    o.namespace,
    '--keyed-partitions',
    '4',
    '--stats-interval',
    '5',
    ...(o.config !== undefined ? ['--config', o.config] : []),
    ...(o.extra ?? []),
  ]);
}

export function startCollector(o: { topic: string; files: string[]; extra?: string[] }): Daemon {
  return spawnDaemon([
    'collect',
    '--kafka',
    kafkaBrokers.join(','),
    '--topic',
    o.topic,
    '--partitions',
    '4',
    '--file',
    ...o.files,
    ...(o.extra ?? []),
  ]);
}

/** `scripts/services <verb> <service>` (the fault proofs stop and start the real services). */
export function services(verb: 'up' | 'down', service: 'kafka' | 'elasticsearch'): void {
  const r = spawnSync(join(ROOT, 'scripts', 'services'), [verb, service], { encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`scripts/services ${verb} ${service} failed: ${r.stderr}`);
}

async function es<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${elasticsearchUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok && res.status !== 404) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Hits<T> {
  hits?: { hits: Array<{ _id: string; _source: T }> };
}

/** Every document of `logs-sipward.<kind>-<ns>` by _id (refreshes first). */
export async function indexed<T>(kind: 'alert' | 'call', namespace: string): Promise<Map<string, T>> {
  const index = `logs-sipward.${kind}-${namespace}`;
  await es(`/${index}/_refresh`, {}).catch(() => undefined);
  const out = new Map<string, T>();
  const r = await es<Hits<T>>(`/${index}/_search?size=10000`, { query: { match_all: {} } }).catch(
    () => ({}) as Hits<T>,
  );
  for (const hit of r.hits?.hits ?? []) out.set(hit._id, hit._source);
  return out;
}

export interface Comparison {
  expected: number;
  found: number;
  missing: string[];
  /** Documents with ids the reference does not have (a split or repeated incident). */
  extra: string[];
  /** Same id, different evidence count or severity (an escalation missed). */
  countDiffers: string[];
}

export function compareAlerts(want: Map<string, Alert>, got: Map<string, Alert>): Comparison {
  const missing = [...want.keys()].filter((id) => !got.has(id));
  const extra = [...got.keys()].filter((id) => !want.has(id));
  const countDiffers = [...want.entries()]
    .filter(([id, a]) => {
      const g = got.get(id);
      return g !== undefined && (g.sipward.count !== a.sipward.count || g.event.severity !== a.event.severity);
    })
    .map(([id, a]) => {
      const g = got.get(id);
      return `${id} ${a.rule.id} want ${a.sipward.count}/${a.event.severity} got ${g?.sipward.count}/${g?.event.severity}`;
    });
  return { expected: want.size, found: want.size - missing.length, missing, extra, countDiffers };
}

export function compareCalls(want: Map<string, CallRecord>, got: Map<string, CallRecord>): Comparison {
  const missing = [...want.keys()].filter((id) => !got.has(id));
  const extra = [...got.keys()].filter((id) => !want.has(id));
  const countDiffers = [...want.entries()]
    .filter(([id, c]) => {
      const g = got.get(id);
      return (
        g !== undefined &&
        (g.duration_s !== c.duration_s || g.outcome !== c.outcome || g.final_status !== c.final_status)
      );
    })
    .map(([id]) => id);
  return { expected: want.size, found: want.size - missing.length, missing, extra, countDiffers };
}

/** Polls until the indexed alerts and calls equal the reference, or the time is up; returns the last comparison. */
export async function settle(
  ref: Reference,
  namespace: string,
  timeoutMs: number,
): Promise<{ alerts: Comparison; calls: Comparison }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alerts = compareAlerts(ref.alerts, await indexed<Alert>('alert', namespace));
    const calls = compareCalls(ref.calls, await indexed<CallRecord>('call', namespace));
    const done = [alerts, calls].every((c) => c.missing.length === 0 && c.countDiffers.length === 0);
    if (done || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  // Anything late (an extra incident) shows up within a couple of ticks more.
  await new Promise((r) => setTimeout(r, 2000));
  return {
    alerts: compareAlerts(ref.alerts, await indexed<Alert>('alert', namespace)),
    calls: compareCalls(ref.calls, await indexed<CallRecord>('call', namespace)),
  };
}

export function summary(c: { alerts: Comparison; calls: Comparison }): string {
  const one = (n: string, x: Comparison): string =>
    `${n}: expected ${x.expected} found ${x.found} extra ${x.extra.length} count-differs ${x.countDiffers.length}` +
    (x.missing.length + x.extra.length + x.countDiffers.length > 0
      ? ` (missing ${x.missing.slice(0, 3).join(',')} extra ${x.extra.slice(0, 3).join(',')} ${x.countDiffers.slice(0, 3).join('; ')})`
      : '');
  return `${one('alerts', c.alerts)}; ${one('calls', c.calls)}`;
}
