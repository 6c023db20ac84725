//! `npm run bench`, SIP transaction log part (issue 15), on one deterministic capture:
//!   1. `sipward analyze` with and without `--sip-log` (mode all), and with `--no-raw` (no message
//!      text for evidence) — msgs/s and ratios measured in the same run;
//!   2. the log's volume: transactions and JSONL bytes per million SIP messages, mode all vs alerted;
//!   3. Elasticsearch storage: the records indexed into `logs-sipward.sip-<ns>` of the real node
//!      (`scripts/services up`) under the sipward-sip template, force-merged, store size per
//!      million SIP messages.
//! Standalone: `node dist/bench/sip-log-storage.js CAPTURE.pcap`. Skipped in `npm run bench` when
//! `--only` leaves siplog out; the Elasticsearch step when the node does not answer.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Client } from '@elastic/elasticsearch';
import { ElasticIndexer, type IndexDoc } from '../analyzer/src/index/elastic-indexer';
import { writeName } from '../analyzer/src/index/templates';
import { repoRoot } from '../lib/src/repo-root';

const root = repoRoot();
const out = join(root, 'bench', 'out');

export interface SipLogBenchRow {
  name: string;
  value: string;
}

interface AnalyzeRun {
  seconds: number;
  messages: number;
  transactions?: number;
}

function analyze(capture: string, extra: string[]): AnalyzeRun {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin', 'sipward.js'), 'analyze', capture, '--format', 'jsonl', '-o', '/dev/null', ...extra],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`analyze ${extra.join(' ')}: ${r.stderr.slice(-500)}`);
  const summary = r.stderr
    .split('\n')
    .filter((l) => l.includes('"analyze finished"'))
    .map((l) => JSON.parse(l) as { sip_messages: number; sip_log?: { written: number } })[0];
  return {
    seconds,
    messages: summary?.sip_messages ?? 0,
    ...(summary?.sip_log !== undefined ? { transactions: summary.sip_log.written } : {}),
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');

async function elasticStorage(file: string, messages: number): Promise<SipLogBenchRow[]> {
  const url = process.env.SIPWARD_ELASTICSEARCH ?? 'http://127.0.0.1:9200';
  const client = new Client({ node: url, requestTimeout: 120_000 });
  try {
    await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' });
  } catch {
    await client.close();
    return [{ name: 'Elasticsearch storage', value: `skipped: no Elasticsearch at ${url}` }];
  }
  const namespace = `bench_${Date.now()}`;
  const indexer = new ElasticIndexer({ client, namespace, sipLog: true, logger: pino({ level: 'silent' }) });
  try {
    await indexer.setup();
    const docs: IndexDoc[] = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const doc = JSON.parse(l) as { event: { id: string } };
        return { target: 'sip', id: doc.event.id, doc: doc as unknown as Record<string, unknown> };
      });
    const t0 = process.hrtime.bigint();
    const result = await indexer.write(docs);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (result.rejected.length > 0) throw new Error(`Elasticsearch refused ${result.rejected.length} records`);
    const index = writeName('sip', namespace);
    await client.indices.refresh({ index });
    await client.indices.forcemerge({ index, max_num_segments: 1 });
    const stats = await client.indices.stats({ index, metric: ['store', 'docs'] });
    const bytes = stats._all.primaries?.store?.size_in_bytes ?? 0;
    const count = stats._all.primaries?.docs?.count ?? 0;
    return [
      {
        name: 'records indexed (mode all)',
        value: `${fmt(count)} in ${seconds.toFixed(1)} s (${fmt(count / seconds)}/s)`,
      },
      {
        name: 'Elasticsearch store, force-merged',
        value: `${(bytes / 1e6).toFixed(1)} MB, ${fmt(bytes / count)} bytes/record`,
      },
      {
        name: 'Elasticsearch storage per million SIP messages (mode all)',
        value: `${(bytes / messages).toFixed(1)} MB`,
      },
    ];
  } finally {
    await indexer.close();
    await client.indices.deleteDataStream({ name: writeName('sip', namespace) }).catch(() => undefined);
    await client.close();
  }
}

export async function runSipLogBenchmarks(capture: string): Promise<SipLogBenchRow[]> {
  mkdirSync(out, { recursive: true });
  const all = join(out, 'sip-log-all.jsonl');
  const alerted = join(out, 'sip-log-alerted.jsonl');
  // Same run, same capture: the peers are analyze without the log and without message text.
  const plain = analyze(capture, []);
  const withLog = analyze(capture, ['--sip-log', all]);
  const withAlerted = analyze(capture, ['--sip-log', alerted, '--sip-log-mode', 'alerted']);
  const noRaw = analyze(capture, ['--no-raw']);
  const m = plain.messages;
  const perMillion = (n: number): number => (n / m) * 1e6;
  const rows: SipLogBenchRow[] = [
    { name: 'capture', value: `${capture} (${fmt(m)} SIP messages)` },
    { name: '`analyze` (evidence text on, no SIP log)', value: `${fmt(m / plain.seconds)} msgs/s` },
    {
      name: '`analyze --no-raw`',
      value: `${fmt(m / noRaw.seconds)} msgs/s (default with evidence text: ${(noRaw.seconds / plain.seconds).toFixed(2)} × its speed)`,
    },
    {
      name: '`analyze --sip-log FILE` (mode all)',
      value: `${fmt(m / withLog.seconds)} msgs/s (ratio to no log ${(plain.seconds / withLog.seconds).toFixed(2)})`,
    },
    {
      name: 'transactions per million SIP messages, all / alerted',
      value: `${fmt(perMillion(withLog.transactions ?? 0))} / ${fmt(perMillion(withAlerted.transactions ?? 0))}`,
    },
    {
      name: 'JSONL per million SIP messages, all / alerted',
      value: `${(perMillion(statSync(all).size) / 1e6).toFixed(1)} MB / ${(perMillion(statSync(alerted).size) / 1e6).toFixed(1)} MB`,
    },
  ];
  rows.push(...(await elasticStorage(all, m)));
  return rows;
}

if (require.main === module) {
  const capture = process.argv[2];
  if (capture === undefined) {
    process.stderr.write('usage: node dist/bench/sip-log-storage.js CAPTURE.pcap\n');
    process.exit(2);
  }
  runSipLogBenchmarks(capture).then(
    (rows) => {
      process.stdout.write('| SIP transaction log | result |\n|---|---|\n');
      for (const r of rows) process.stdout.write(`| ${r.name} | ${r.value} |\n`);
    },
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
