// ElasticIndexer (analyzer/src/index/) against the real node of `scripts/services up`: templates and
// mappings in effect, alert updates by id, call-record re-delivery, rejected documents, and an
// Elasticsearch outage in the middle of a write (the node is stopped and started again).
// Data streams cannot be deleted on the integ-test-zip node: every run uses its own namespace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import type { Alert } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';
import { ElasticIndexer, type IndexDoc } from '../../analyzer/src/index/elastic-indexer';
import { firstIndexName, writeName } from '../../analyzer/src/index/templates';
import { elasticsearchUrl, requireElasticsearch, uniqueName } from './services';
import { repoRoot } from '../../lib/src/repo-root';

const run = promisify(execFile);

interface LogLine {
  level: number;
  msg: string;
  outage_ms?: number;
}

function alert(id: string, count: number, sourceIp = '203.0.113.7'): Alert {
  return {
    '@timestamp': '2026-01-01T00:00:00.000Z',
    message: `SIP-AUTH-01 REGISTER brute force on 1001 from ${sourceIp}`,
    event: {
      kind: 'alert',
      category: ['intrusion_detection', 'network', 'authentication'],
      type: ['info', 'denied'],
      outcome: 'failure',
      code: 'SIP-AUTH-01',
      severity: 73,
      risk_score: 73,
      id,
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T00:01:00.000Z',
      dataset: 'sipward.alert',
      module: 'sipward',
    },
    rule: {
      id: 'SIP-AUTH-01',
      name: 'Digest brute force',
      version: 1,
      category: 'Credential Access',
      ruleset: 'sipward-fs38',
    },
    source: { ip: sourceIp, port: 5070 },
    destination: { ip: '198.51.100.10', port: 5060 },
    user: { name: '1001' },
    related: { ip: [sourceIp, '198.51.100.10'], user: ['1001'] },
    sip: { call_id: `cid-${id}`, method: 'REGISTER', status_code: 401 },
    sipward: {
      fs38: { theme: ['FS38:ACCESS'] },
      count,
      threshold: 10,
      window_s: 300,
      group: { 'destination.ip': '198.51.100.10' },
      evidence: [{ id: `ev-${id}`, '@timestamp': '2026-01-01T00:00:00.000Z', summary: 'REGISTER a → b 401' }],
    },
  };
}

function callRecord(id: string): CallRecord {
  return {
    '@timestamp': '2026-01-01T00:00:00.000Z',
    event: { kind: 'event', dataset: 'sipward.call', id },
    call_id: `cid-${id}`,
    start: '2026-01-01T00:00:00.000Z',
    end: '2026-01-01T00:00:10.000Z',
    duration_s: 0,
    outcome: 'rejected',
    final_status: 403,
    caller: { user: '1001', ip: '10.0.0.1', port: 5060 },
    callee: { request_uri_user: '0044', e164: '44' },
    path: ['10.0.0.2'],
    // SDP addresses are attacker-controlled: a non-IP must not cost the record.
    media: { caller_ip: 'not.an.ip.example' },
    alert_ids: [],
  };
}

const asAlert = (a: Alert): IndexDoc => ({ target: 'alert', id: a.event.id, doc: { ...a } });
const asCall = (c: CallRecord): IndexDoc => ({ target: 'call', id: c.event.id, doc: { ...c } });

async function services(action: 'up' | 'down'): Promise<void> {
  await run(join(repoRoot(), 'scripts', 'services'), [action, 'elasticsearch'], { timeout: 120_000 });
}

void describe('elastic indexer (real node)', () => {
  const namespace = uniqueName('it').replace(/-/g, '_');
  const client = new Client({ node: elasticsearchUrl, requestTimeout: 30_000 });
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => logs.push(JSON.parse(s) as LogLine) });
  const indexers: ElasticIndexer[] = [];
  const newIndexer = (): ElasticIndexer => {
    const ix = new ElasticIndexer({
      connection: { node: elasticsearchUrl, requestTimeoutMs: 10_000 },
      namespace,
      logger,
    });
    indexers.push(ix);
    return ix;
  };
  const alertAlias = writeName('alert', namespace);
  const callStream = writeName('call', namespace);
  let modules = new Set<string>();

  before(async () => {
    await requireElasticsearch();
    const info = await client.nodes.info({ node_id: '_local', metric: 'plugins' });
    modules = new Set((Object.values(info.nodes)[0]?.modules ?? []).map((m) => m.name));
  });

  after(async () => {
    for (const ix of indexers) await ix.close();
    // Whatever happened, leave Elasticsearch running for the next test file and other users.
    await services('up');
    await client.indices.delete({ index: firstIndexName('alert', namespace) }).catch(() => undefined);
    await client.close();
  });

  void test('setup is idempotent, also when two analyzers race', async () => {
    const [a, b] = [newIndexer(), newIndexer()];
    const [ma, mb] = await Promise.all([a.setup(), b.setup()]);
    assert.deepEqual(ma, mb);
    assert.deepEqual(await a.setup(), ma);
    assert.equal(ma.calls, 'data_stream');
    assert.equal(ma.ingested, modules.has('ingest-common') ? 'pipeline' : 'client');
    const aliases = await client.indices.getAlias({ name: alertAlias });
    assert.deepEqual(Object.keys(aliases), [firstIndexName('alert', namespace)]);
    const resolved = await client.indices.resolveIndex({ name: callStream, expand_wildcards: 'all' });
    assert.deepEqual(
      resolved.data_streams.map((d) => d.name),
      [callStream],
      'the setup probe created the data stream',
    );
    assert.equal((await client.count({ index: callStream })).count, 0, 'the probe indexed nothing');
    for (const ix of [a, b]) await ix.close();
  });

  void test('alerts updated by id, call records once, a mapping conflict rejected alone', async () => {
    const ix = newIndexer();
    await ix.setup();
    const first = await ix.write([
      asAlert(alert('al-1', 10)),
      asAlert(alert('al-2', 10)),
      asCall(callRecord('call-1')),
    ]);
    assert.deepEqual(first, { indexed: 3, duplicates: 0, superseded: 0, rejected: [] });

    // The incident grew: same id, newer count (twice in one write: the last wins). The call is re-delivered.
    const second = await ix.write([
      asAlert(alert('al-1', 11)),
      asAlert(alert('al-1', 12)),
      asAlert(alert('al-bad', 1, 'not-an-ip')),
      asCall(callRecord('call-1')),
      asCall(callRecord('call-2')),
    ]);
    assert.equal(second.indexed, 2);
    assert.equal(second.superseded, 1);
    assert.equal(second.duplicates, 1);
    assert.equal(second.rejected.length, 1, JSON.stringify(second.rejected));
    assert.equal(second.rejected[0]?.id, 'al-bad');
    assert.equal(second.rejected[0]?.status, 400);
    assert.match(second.rejected[0]?.reason ?? '', /source\.ip/);

    await ix.refresh();
    assert.equal((await client.count({ index: alertAlias })).count, 2);
    assert.equal((await client.count({ index: callStream })).count, 2);
    const got = await client.get<Alert & { event: { ingested?: string } }>({
      index: firstIndexName('alert', namespace),
      id: 'al-1',
    });
    assert.equal(got._source?.sipward.count, 12, 'the newest version');
    const ingested = got._source?.event.ingested;
    assert.ok(
      ingested !== undefined && Math.abs(Date.parse(ingested) - Date.now()) < 600_000,
      `event.ingested ${ingested}`,
    );
    const calls = await client.search<CallRecord>({ index: callStream, query: { term: { 'event.id': 'call-1' } } });
    assert.equal(calls.hits.hits.length, 1);
    assert.ok(calls.hits.hits[0]?._index.startsWith(`.ds-${callStream}-`), 'in a data stream backing index');
    const byIp = await client.count({ index: alertAlias, query: { term: { 'source.ip': '203.0.113.0/24' } } });
    assert.equal(byIp.count, 2, 'source.ip answers CIDR queries: it is an ip field');
    assert.deepEqual(ix.stats(), { indexed: 5, duplicates: 1, retries: 0, rejected: 1, outages: 0 });
    await ix.close();
  });

  void test('mappings in effect come from the templates', async () => {
    const index = firstIndexName('alert', namespace);
    const m = await client.indices.getMapping({ index });
    const props = m[index]?.mappings.properties ?? {};
    const at = (path: string): string | undefined => {
      let p: Record<string, unknown> | undefined = props as Record<string, unknown>;
      let leaf: Record<string, unknown> | undefined;
      for (const part of path.split('.')) {
        leaf = p?.[part] as Record<string, unknown> | undefined;
        p = leaf?.properties as Record<string, unknown> | undefined;
      }
      return leaf?.type as string | undefined;
    };
    assert.equal(at('source.ip'), 'ip');
    assert.equal(at('@timestamp'), 'date');
    assert.equal(at('event.severity'), 'long');
    assert.equal(at('event.risk_score'), 'float');
    assert.equal(at('message'), 'text');
    assert.equal(at('event.ingested'), 'date');
    assert.equal(m[index]?.mappings.dynamic, 'false');

    const dsm = await client.indices.getMapping({ index: callStream });
    const backing = Object.values(dsm)[0]?.mappings.properties as Record<string, { type?: string }> | undefined;
    assert.equal(backing?.['@timestamp']?.type, 'date');
    assert.equal(backing?.call_id?.type, 'keyword');
  });

  void test(
    'outage: Elasticsearch stopped during a write of 500 documents, restarted, nothing lost',
    { timeout: 90_000 },
    async () => {
      const ix = newIndexer();
      await ix.setup();
      const docs = [
        ...Array.from({ length: 300 }, (_, i) => asAlert(alert(`out-al-${i}`, i))),
        ...Array.from({ length: 200 }, (_, i) => asCall(callRecord(`out-call-${i}`))),
      ];
      const started = Date.now();
      await services('down');
      const stillUp = await fetch(`${elasticsearchUrl}/_cluster/health`, { signal: AbortSignal.timeout(2000) }).then(
        () => true,
        () => false,
      );
      assert.equal(
        stillUp,
        false,
        `scripts/services down did not stop the node at ${elasticsearchUrl}: the outage test needs the node of scripts/services`,
      );
      let settled = false;
      const writing = ix.write(docs).finally(() => {
        settled = true;
      });
      // Let it fail and back off a few times against the stopped node.
      while (ix.stats().retries < 3) await new Promise((r) => setTimeout(r, 100));
      assert.equal(settled, false, 'write() waits for Elasticsearch');
      assert.equal(ix.stats().outages, 1);
      await services('up');
      const res = await writing;
      console.log(`outage test: ${Date.now() - started} ms, stats ${JSON.stringify(ix.stats())}`);
      assert.deepEqual(res, { indexed: 500, duplicates: 0, superseded: 0, rejected: [] });

      await ix.refresh();
      const alerts = await client.count({ index: alertAlias, query: { prefix: { 'event.id': 'out-al-' } } });
      const calls = await client.count({ index: callStream, query: { prefix: { 'event.id': 'out-call-' } } });
      assert.equal(alerts.count, 300);
      assert.equal(calls.count, 200);
      const warnings = logs.filter((l) => l.level === 40 && l.msg.startsWith('Elasticsearch unavailable'));
      const recoveries = logs.filter((l) => l.outage_ms !== undefined);
      assert.equal(warnings.length, 1, 'one warning for the outage');
      assert.equal(recoveries.length, 1, 'one recovery line with the outage duration');
      assert.ok((recoveries[0]?.outage_ms ?? 0) > 0);
      await ix.close();
    },
  );
});
