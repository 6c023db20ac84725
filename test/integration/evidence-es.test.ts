// Issue 15 against the real Elasticsearch node of `scripts/services up`: alerts with readable
// evidence and incident aggregates are indexed under the template and searchable by those fields,
// and `sipward report fraud --elasticsearch` gives exactly the report of the same call records
// read from the JSONL file. Every run uses its own namespace (data streams cannot be deleted).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import type { Alert } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';
import { ElasticIndexer } from '../../analyzer/src/index/elastic-indexer';
import { firstIndexName, writeName } from '../../analyzer/src/index/templates';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { elasticsearchUrl, requireElasticsearch, uniqueName } from './services';
import { jsonLines, runSipward, type SipwardRun } from '../../lib/src/test-support/run-sipward';

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 120_000, env: { SIPWARD_ELASTICSEARCH: '' } });
}

void describe('evidence and fraud reports (real Elasticsearch)', () => {
  const namespace = uniqueName('ev').replace(/-/g, '_');
  const client = new Client({ node: elasticsearchUrl, requestTimeout: 30_000 });
  const indexer = new ElasticIndexer({
    connection: { node: elasticsearchUrl, requestTimeoutMs: 10_000 },
    namespace,
    logger: pino({ level: 'silent' }),
  });
  const dir = tempDir();
  const callsFile = join(dir, 'calls.jsonl');
  let alerts: Alert[] = [];
  let calls: CallRecord[] = [];

  before(async () => {
    await requireElasticsearch();
    await indexer.setup();
    const r = sipward([
      'analyze',
      'test/fixtures/attacks/fs-toll-fraud.pcap',
      '--format',
      'jsonl',
      '--calls',
      callsFile,
    ]);
    assert.equal(r.status, 0, r.stderr);
    alerts = jsonLines<Alert>(r.stdout);
    calls = jsonLines<CallRecord>(readFileSync(callsFile, 'utf8'));
    const result = await indexer.write([
      ...alerts.map((a) => ({ target: 'alert' as const, id: a.event.id, doc: { ...a } })),
      ...calls.map((c) => ({ target: 'call' as const, id: c.event.id, doc: { ...c } })),
    ]);
    assert.deepEqual(result.rejected, [], 'no document refused by the templates');
    await indexer.refresh();
  });

  after(async () => {
    await indexer.close();
    await client.indices.delete({ index: firstIndexName('alert', namespace) }).catch(() => undefined);
    await client.close();
  });

  void test('alerts are searchable by evidence text, role and incident aggregates', async () => {
    const index = writeName('alert', namespace);
    const frd01 = alerts.filter((a) => a.rule.id === 'SIP-FRD-01');
    assert.ok(frd01.length > 0);
    const byAggregate = await client.search({
      index,
      query: { term: { 'sipward.aggregates.source.ip.top.value': '198.51.100.51' } },
      size: 100,
    });
    assert.equal(byAggregate.hits.hits.length, alerts.length, 'every alert of the capture has that source');
    const byRaw = await client.search({
      index,
      query: {
        bool: {
          filter: [{ term: { 'rule.id': 'SIP-FRD-01' } }, { term: { 'sipward.evidence.role': 'threshold' } }],
          must: [{ match: { 'sipward.evidence.raw': 'INVITE' } }],
        },
      },
    });
    assert.equal(byRaw.hits.hits.length, frd01.length);
    const wide = await client.search({
      index,
      query: { range: { 'sipward.aggregates.sip.call_id.distinct': { gte: 19 } } },
    });
    assert.ok(wide.hits.hits.length >= 2, 'distinct counts are numbers, not keywords');
    const linked = await client.search({ index, query: { term: { 'sipward.call_ids': calls[0]?.call_id ?? '' } } });
    assert.ok(linked.hits.hits.length >= 1);
  });

  /** `report fraud` over the calls indexed in this test's namespace. */
  const fraudFromEs = (args: string[]): SipwardRun =>
    sipward(['report', 'fraud', '--elasticsearch', elasticsearchUrl, '--namespace', namespace, ...args]);

  void test('report fraud from Elasticsearch equals the report from the JSONL file, in every format', () => {
    for (const format of ['json', 'csv', 'table']) {
      const fromFile = sipward(['report', 'fraud', '--calls', callsFile, '--format', format]);
      const fromEs = fraudFromEs(['--format', format]);
      assert.equal(fromFile.status, 0, fromFile.stderr);
      assert.equal(fromEs.status, 0, fromEs.stderr);
      assert.equal(fromEs.stdout, fromFile.stdout, format);
    }
    const report = JSON.parse(sipward(['report', 'fraud', '--calls', callsFile, '--format', 'json']).stdout) as {
      totals: { calls: number; answered: number; minutes: number };
    };
    const minutes = calls.reduce((s, c) => s + c.duration_s / 60, 0);
    assert.equal(report.totals.calls, calls.length);
    assert.equal(report.totals.answered, calls.filter((c) => c.outcome === 'answered').length);
    assert.ok(Math.abs(report.totals.minutes - minutes) < 0.001);
    const window = fraudFromEs(['--from', calls[10]?.start ?? '', '--format', 'json']);
    assert.equal(window.status, 0, window.stderr);
    const expected = calls.filter((c) => Date.parse(c.start) >= Date.parse(calls[10]?.start ?? '')).length;
    assert.equal((JSON.parse(window.stdout) as { totals: { calls: number } }).totals.calls, expected);
  });
});
