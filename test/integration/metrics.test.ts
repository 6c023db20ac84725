// Metrics, health and shutdown of the daemons against the real Kafka and Elasticsearch of
// scripts/services: `collect --hep … --metrics-port` fed the HEP export of the demo capture over
// TCP, then `analyzer --metrics-port` consuming what it published. Each /metrics is scraped while
// the process runs and its counts are checked against the capture (SIP messages, methods,
// response classes, anomalies, published events; events consumed, alerts by signature, ES bulk
// requests, consumer lag); /healthz and /readyz answer; SIGTERM (collect) and SIGINT (analyzer)
// end them with exit 0 within a bound, and nothing is lost (the analyzer takes in every event
// collect received, and indexes the alerts and call records `sipward analyze` gives for the capture).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SipEvent } from '../../schema/src/sip-event';
import { hepExport } from '../../collectors/src/test-support/hep';
import { freePort } from '../../lib/src/test-support/free-port';
import {
  BIN,
  createTopic,
  decodeCapture,
  reference,
  ROOT,
  settle,
  summary,
  compareAlerts,
  compareCalls,
} from './pipeline-harness';
import { elasticsearchUrl, kafkaBrokers, requirePipelineServices, uniqueName } from './services';

const DEMO = join(ROOT, 'samples', 'demo-attacks.pcap');
/** How long SIGTERM may take: collect's drain timeout is 10 s by default; the analyzer flushes to ES. */
const STOP_BOUND_MS = 20_000;

interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

const running: Proc[] = [];

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, '--log-format', 'json', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const proc = { child, stderr: () => err, exit };
  running.push(proc);
  return proc;
}

/** The signal, and the time it took to exit; SIGKILL (and a failure) past the bound. */
async function terminate(proc: Proc, signal: 'SIGTERM' | 'SIGINT'): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), STOP_BOUND_MS + 10_000);
  const code = await proc.exit;
  clearTimeout(timer);
  return { code, ms: Date.now() - t0 };
}

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

/** Prometheus text → "name{a=\"x\",…}" (labels as exposed, role label removed) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels = (m[2] ?? '').replace(/,?role="[^"]*"/, '').replace(/^\{,/, '{');
    out.set(`${m[1]}${labels === '{}' ? '' : labels}`, Number(m[3]));
  }
  return out;
}

async function scrape(port: number): Promise<Map<string, number>> {
  const r = await get(port, '/metrics');
  assert.equal(r.status, 200, r.text);
  return samples(r.text);
}

async function until(what: string, check: () => Promise<boolean>, ms: number, context: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until `path` on `port` answers 200 (`who` names the daemon in the timeout message). */
function untilOk(who: string, port: number, path: string, ms: number, context: () => string): Promise<void> {
  return until(`${who} ${path}`, async () => (await get(port, path)).status === 200, ms, context);
}

/** Waits until the scraped `metric` on `port` equals `value`. */
function untilMetric(
  what: string,
  port: number,
  metric: string,
  value: number,
  ms: number,
  context: () => string,
): Promise<void> {
  return until(what, async () => (await scrape(port)).get(metric) === value, ms, context);
}

function sum(m: Map<string, number>, prefix: string): number {
  let n = 0;
  for (const [k, v] of m) if (k === prefix || k.startsWith(`${prefix}{`)) n += v;
  return n;
}

function countBy(events: readonly SipEvent[], key: (e: SipEvent) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    const k = key(e);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

void describe('metrics, health and shutdown of collect and analyzer', { timeout: 300_000 }, () => {
  before(requirePipelineServices);
  after(async () => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });

  const base = uniqueName('metrics');
  const topic = base;
  const namespace = base.replace(/-/g, '_');
  let events: SipEvent[] = [];

  void test('collect: counts on /metrics match the capture; ready once connected; SIGTERM exits 0', async () => {
    events = await decodeCapture(DEMO);
    const packets = await hepExport(DEMO);
    assert.equal(packets.length, events.length);
    await createTopic(topic, 4);
    const [hepPort, metricsPort] = [await freePort(), await freePort()];
    const collect = start(
      ['collect', '--kafka', kafkaBrokers.join(','), '--topic', topic].concat([
        '--hep',
        `127.0.0.1:${hepPort}`,
        '--hep-transport',
        'tcp',
        '--metrics-port',
        String(metricsPort),
      ]),
    );
    await untilOk('collect', metricsPort, '/readyz', 30_000, collect.stderr);
    assert.equal((await get(metricsPort, '/healthz')).status, 200);
    assert.equal((await get(metricsPort, '/nope')).status, 404);

    const socket = connect(hepPort, '127.0.0.1');
    await new Promise<void>((done) => socket.once('connect', done));
    await new Promise<void>((done) => socket.end(Buffer.concat(packets), done));
    const n = events.length;
    await untilMetric(
      'every event published',
      metricsPort,
      'sipward_published_events_total',
      n,
      60_000,
      collect.stderr,
    );

    const m = await scrape(metricsPort);
    assert.equal(m.get('sipward_sip_messages_total'), n);
    assert.equal(m.get('sipward_hep_packets_total'), n);
    assert.equal(sum(m, 'sipward_hep_dropped_total'), 0);
    assert.equal(m.get('sipward_publish_queue_depth'), 0);
    assert.equal(sum(m, 'sipward_publish_dropped_total'), 0);
    const methods = countBy(events, (e) => (e.sip.status_code === undefined ? e.sip.method : undefined));
    assert.ok((methods.get('INVITE') ?? 0) > 100 && (methods.get('REGISTER') ?? 0) > 10, JSON.stringify([...methods]));
    for (const [method, count] of methods)
      assert.equal(m.get(`sipward_sip_requests_total{method="${method}"}`), count, method);
    const classes = countBy(events, (e) =>
      e.sip.status_code === undefined ? undefined : `${Math.floor(e.sip.status_code / 100)}xx`,
    );
    for (const [cls, count] of classes) assert.equal(m.get(`sipward_sip_responses_total{class="${cls}"}`), count, cls);
    assert.equal(sum(m, 'sipward_sip_requests_total') + sum(m, 'sipward_sip_responses_total'), n);
    const anomalies = new Map<string, number>();
    for (const e of events)
      for (const code of e.sip.anomalies ?? []) anomalies.set(code, (anomalies.get(code) ?? 0) + 1);
    for (const [code, count] of anomalies)
      assert.equal(m.get(`sipward_sip_anomalies_total{code="${code}"}`), count, code);
    assert.ok((m.get('sipward_process_resident_memory_bytes') ?? 0) > 0, 'process metrics');

    const stopped = await terminate(collect, 'SIGTERM');
    assert.equal(stopped.code, 0, collect.stderr().slice(-3000));
    assert.ok(stopped.ms < STOP_BOUND_MS, `collect took ${stopped.ms} ms to stop`);
    assert.match(collect.stderr(), new RegExp(`"published":${n},`));
  });

  void test('analyzer: counts on /metrics match what collect published; alerts indexed; SIGINT exits 0', async () => {
    assert.ok(events.length > 0, 'runs after the collect test');
    const metricsPort = await freePort();
    const analyzer = start(
      ['analyzer', '--kafka', kafkaBrokers.join(','), '--topic', topic, '--group', `${base}-g`]
        .concat(['--elasticsearch', elasticsearchUrl, '--namespace', namespace, '--keyed-partitions', '4'])
        .concat(['--metrics-port', String(metricsPort)]),
    );
    // Alive (healthz) as soon as it listens, ready only once topics and templates are in place.
    await untilOk('analyzer', metricsPort, '/healthz', 30_000, analyzer.stderr);
    await untilOk('analyzer', metricsPort, '/readyz', 90_000, analyzer.stderr);
    const n = events.length;
    await untilMetric('every event taken in', metricsPort, 'sipward_events_total', n, 90_000, analyzer.stderr);

    // Nothing lost end to end: the alerts and call records of the embedded engine, in Elasticsearch.
    const want = reference(events);
    const result = await settle(want, namespace, 90_000);
    assert.equal(
      summary(result),
      summary({ alerts: compareAlerts(want.alerts, want.alerts), calls: compareCalls(want.calls, want.calls) }),
    );

    const m = await scrape(metricsPort);
    const emitted = m.get('sipward_alerts_emitted_total') ?? 0;
    assert.ok(emitted >= want.alerts.size, `alert versions ${emitted} < ${want.alerts.size} alerts`);
    assert.equal(sum(m, 'sipward_alerts_total'), emitted);
    for (const rule of new Set([...want.alerts.values()].map((a) => a.rule.id)))
      assert.ok((m.get(`sipward_alerts_total{signature="${rule}"}`) ?? 0) >= 1, rule);
    assert.equal(m.get('sipward_alerts_total{signature="other"}'), undefined);
    assert.ok((m.get('sipward_es_bulk_seconds_count{result="ok"}') ?? 0) >= 1, 'bulk latency observed');
    assert.equal(m.get('sipward_es_bulk_failures_total'), 0);
    assert.equal(m.get('sipward_es_documents_total{result="rejected"}'), 0);
    assert.equal(sum(m, 'sipward_events_dropped_total{reason="poison"}'), 0);
    const lags = [...m].filter(([k]) => k.startsWith(`sipward_consumer_lag{topic="${topic}"`));
    assert.ok(lags.length >= 1, 'lag per partition of the input topic');
    for (const [k, v] of lags) assert.equal(v, 0, k);
    assert.ok((m.get('sipward_state_entries{stage="dialog"}') ?? -1) >= 0);
    assert.equal(m.get('sipward_assigned_partitions{stage="dialog"}'), 4);

    const stopped = await terminate(analyzer, 'SIGINT');
    assert.equal(stopped.code, 0, analyzer.stderr().slice(-3000));
    assert.ok(stopped.ms < STOP_BOUND_MS, `analyzer took ${stopped.ms} ms to stop`);
  });
});
