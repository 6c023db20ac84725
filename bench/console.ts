//! Console part of `npm run bench` (`-- --only console`, or `node dist/bench/console.js` alone):
//! `sipward ui --from` over 100k generated alerts and 100k call records — load time, memory, and
//! the latency of each page through the real HTTP server (median and max of 20 requests) — and the
//! same alerts in the real Elasticsearch node (`ui --elasticsearch`; skipped with a note when
//! SIPWARD_ELASTICSEARCH does not answer or SIPWARD_BENCH_CONSOLE_ES=0).
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { DirectoryStore } from '../console/src/dir-store';
import { ElasticStore } from '../console/src/es-store';
import type { ConsoleStore } from '../console/src/model';
import { ElasticIndexer } from '../analyzer/src/index/elastic-indexer';
import { createConsoleServer } from '../console/src/server';
import { syntheticAlert, writeSyntheticDir } from '../console/src/test-support/synthetic';
import { repoPath } from '../lib/src/repo-root';

export interface ConsoleBenchRow {
  name: string;
  medianMs: number;
  maxMs: number;
}

export interface ConsoleBench {
  alerts: number;
  calls: number;
  loadMs: number;
  heapMiB: number;
  pages: ConsoleBenchRow[];
  /** The same alerts through `ui --elasticsearch`, or why not. */
  elasticsearch: { indexMs: number; pages: ConsoleBenchRow[] } | { skipped: string };
}

const ES = (process.env['SIPWARD_ELASTICSEARCH'] ?? 'http://127.0.0.1:9200').replace(/\/+$/, '');

const REQUESTS = 20;

async function timeGet(url: string): Promise<{ medianMs: number; maxMs: number }> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = process.hrtime.bigint();
    const r = await fetch(url);
    await r.text();
    if (r.status !== 200) throw new Error(`bench console: ${url} answered ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)] ?? NaN, maxMs: times[times.length - 1] ?? NaN };
}

export async function runConsoleBenchmarks(outDir: string, alerts = 100_000, calls = 100_000): Promise<ConsoleBench> {
  const dir = join(outDir, 'console-100k');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await writeSyntheticDir(dir, alerts, calls);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const store = await DirectoryStore.open(dir);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  global.gc?.();
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const from = new Date(Date.parse('2026-11-01T00:00:00Z') + (alerts - 1000) * 7000).toISOString();
  const alertPages: Array<[string, string]> = [
    ['alert list, page 1', '/'],
    ['alert list, page 1000 (of 2000)', '/?page=1000'],
    ['alert list, signature + account filter', '/?signature=SIP-AUTH-01&account=user2'],
    ['alert list, time range (last 1000)', `/?from=${from}`],
    ['alert page', `/alerts/${syntheticAlert(alerts - 1).event.id}`],
  ];
  let pages: ConsoleBenchRow[];
  try {
    pages = await timePages(store, [
      ...alertPages,
      ['call list, answered + country', '/calls?answered=yes&country=GB'],
      ['fraud report, all calls', '/fraud'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const elasticsearch = await elasticPart(alerts, alertPages);
  return { alerts, calls, loadMs, heapMiB, pages, elasticsearch };
}

async function timePages(store: ConsoleStore, pages: Array<[string, string]>): Promise<ConsoleBenchRow[]> {
  const server = createConsoleServer({ store, catalog: [], log: pino({ level: 'silent' }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rows: ConsoleBenchRow[] = [];
  try {
    for (const [name, path] of pages) rows.push({ name, ...(await timeGet(base + path)) });
  } finally {
    server.close();
  }
  return rows;
}

async function elasticPart(alerts: number, pages: Array<[string, string]>): Promise<ConsoleBench['elasticsearch']> {
  if (process.env['SIPWARD_BENCH_CONSOLE_ES'] === '0') return { skipped: 'SIPWARD_BENCH_CONSOLE_ES=0' };
  try {
    const health = await fetch(`${ES}/_cluster/health`, { signal: AbortSignal.timeout(5000) });
    if (!health.ok) return { skipped: `Elasticsearch ${ES} answered ${health.status}` };
  } catch {
    return { skipped: `Elasticsearch ${ES} not reachable (scripts/services up)` };
  }
  const namespace = `benchconsole${Date.now().toString(36)}`;
  const indexer = new ElasticIndexer({ connection: { node: ES }, namespace, logger: pino({ level: 'silent' }) });
  const t0 = process.hrtime.bigint();
  await indexer.setup();
  for (let i = 0; i < alerts; i += 10_000) {
    const docs = [];
    for (let k = i; k < Math.min(alerts, i + 10_000); k++) {
      const a = syntheticAlert(k);
      docs.push({ target: 'alert' as const, id: a.event.id, doc: a as unknown as Record<string, unknown> });
    }
    await indexer.write(docs);
  }
  await indexer.refresh();
  await indexer.close();
  const indexMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const store = await ElasticStore.open({ client: { node: ES }, namespace });
  try {
    return { indexMs, pages: await timePages(store, pages) };
  } finally {
    await store.close();
    // The alert index is a plain index behind an alias: drop it so benches do not pile up.
    await fetch(`${ES}/logs-sipward.alert-${namespace}-000001`, { method: 'DELETE' }).catch(() => undefined);
  }
}

export function consoleTable(b: ConsoleBench): string[] {
  const es = b.elasticsearch;
  const esRows = 'skipped' in es ? new Map<string, ConsoleBenchRow>() : new Map(es.pages.map((p) => [p.name, p]));
  const esCell = (name: string): string => {
    const r = esRows.get(name);
    return r === undefined ? '' : `${r.medianMs.toFixed(1)} / ${r.maxMs.toFixed(1)}`;
  };
  return [
    `| console, ${b.alerts.toLocaleString('en-US')} alerts + ${b.calls.toLocaleString('en-US')} calls | \`ui --from\` median / max ms | \`ui --elasticsearch\` median / max ms |`,
    '|---|---:|---:|',
    `| load the directory (heap +${b.heapMiB.toFixed(0)} MiB) / index the alerts | ${b.loadMs.toFixed(0)} | ${'skipped' in es ? es.skipped : es.indexMs.toFixed(0)} |`,
    ...b.pages.map((p) => `| ${p.name} | ${p.medianMs.toFixed(1)} / ${p.maxMs.toFixed(1)} | ${esCell(p.name)} |`),
  ];
}

if (require.main === module) {
  runConsoleBenchmarks(repoPath('bench', 'out'))
    .then((b) => process.stdout.write(consoleTable(b).join('\n') + '\n'))
    .catch((error: unknown) => {
      process.stderr.write(`bench console: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
