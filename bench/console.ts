//! Console part of `npm run bench` (`-- --only console`, or `node dist/bench/console.js` alone):
//! `sipward ui --from` over 100k generated alerts and 100k call records — load time, memory, and
//! the latency of each page through the real HTTP server (median and max of 20 requests).
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { DirectoryStore } from '../console/src/dir-store';
import { createConsoleServer } from '../console/src/server';
import { syntheticAlert, writeSyntheticDir } from '../console/src/test-support/synthetic';

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
}

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
  const server = createConsoleServer({ store, catalog: [], log: pino({ level: 'silent' }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pages: Array<[string, string]> = [
    ['alert list, page 1', '/'],
    ['alert list, page 1000 (of 2000)', '/?page=1000'],
    ['alert list, signature + account filter', '/?signature=SIP-AUTH-01&account=user2'],
    [
      'alert list, time range (last 1000)',
      `/?from=${new Date(Date.parse('2026-11-01T00:00:00Z') + (alerts - 1000) * 7000).toISOString()}`,
    ],
    ['alert page', `/alerts/${syntheticAlert(alerts - 1).event.id}`],
    ['call list, answered + country', '/calls?answered=yes&country=GB'],
    ['fraud report, all calls', '/fraud'],
  ];
  const rows: ConsoleBenchRow[] = [];
  try {
    for (const [name, path] of pages) rows.push({ name, ...(await timeGet(base + path)) });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { alerts, calls, loadMs, heapMiB, pages: rows };
}

export function consoleTable(b: ConsoleBench): string[] {
  return [
    `| console (\`ui --from\`, ${b.alerts.toLocaleString('en-US')} alerts + ${b.calls.toLocaleString('en-US')} calls) | median ms | max ms |`,
    '|---|---:|---:|',
    `| load the directory (heap +${b.heapMiB.toFixed(0)} MiB) | ${b.loadMs.toFixed(0)} | |`,
    ...b.pages.map((p) => `| ${p.name} | ${p.medianMs.toFixed(1)} | ${p.maxMs.toFixed(1)} |`),
  ];
}

if (require.main === module) {
  runConsoleBenchmarks(join(__dirname, '..', '..', 'bench', 'out'))
    .then((b) => process.stdout.write(consoleTable(b).join('\n') + '\n'))
    .catch((error: unknown) => {
      process.stderr.write(`bench console: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
