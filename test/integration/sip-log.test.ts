// The SIP transaction log through the real pipeline (issue 15): collect → Kafka → analyzer with
// `--sip-log-mode all` → `logs-sipward.sip-<ns>` in the real Elasticsearch holds exactly the records
// `sipward analyze --sip-log` writes for the same capture, every field under the template; and with
// `collect --with-raw` the alerts indexed by the pipeline quote their evidence messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Alert } from '../../schema/src/alert';
import type { SipTransaction } from '../../schema/src/sip-transaction';
import { SIP_MAPPINGS, unmappedPaths } from '../../analyzer/src/index/templates';
import {
  BIN,
  createTopic,
  indexed,
  pipelineNames,
  ROOT,
  startAnalyzer,
  startCollector,
  pipelineSuite,
} from './pipeline-harness';
import { elasticsearchUrl } from './services';
import { tempDir } from '../../lib/src/test-support/temp-dir';

const DEMO = join(ROOT, 'samples', 'demo-attacks.pcap');

async function sipLog(namespace: string): Promise<Map<string, SipTransaction>> {
  const index = `logs-sipward.sip-${namespace}`;
  await fetch(`${elasticsearchUrl}/${index}/_refresh`, { method: 'POST' }).catch(() => undefined);
  const res = await fetch(`${elasticsearchUrl}/${index}/_search?size=10000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { match_all: {} } }),
  });
  const out = new Map<string, SipTransaction>();
  if (!res.ok) return out;
  const body = (await res.json()) as { hits: { hits: Array<{ _id: string; _source: SipTransaction }> } };
  for (const hit of body.hits.hits) out.set(hit._id, hit._source);
  return out;
}

void describe('SIP transaction log: collect → Kafka → analyzer → Elasticsearch', { timeout: 300_000 }, () => {
  const running = pipelineSuite();

  void test('the indexed log equals `analyze --sip-log` on the same capture; alerts carry evidence text', async () => {
    const n = pipelineNames('sl');
    const file = join(tempDir('sipward-sl-'), 'sip-log.jsonl');
    const analyze = spawnSync(process.execPath, [BIN, 'analyze', DEMO, '--format', 'jsonl', '--sip-log', file], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(analyze.status, 0, analyze.stderr);
    const want = new Map<string, SipTransaction>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue;
      const t = JSON.parse(line) as SipTransaction;
      want.set(t.event.id, t);
    }
    assert.ok(want.size >= 300, `reference: ${want.size} transactions`);

    await createTopic(n.topic, 4);
    running.push(startCollector({ topic: n.topic, files: [DEMO], extra: ['--with-raw'] }));
    const analyzer = startAnalyzer({ ...n, extra: ['--sip-log-mode', 'all'] });
    running.push(analyzer);
    const deadline = Date.now() + 120_000;
    let got = new Map<string, SipTransaction>();
    while (Date.now() < deadline) {
      got = await sipLog(n.namespace);
      if (got.size >= want.size) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Open transactions at the end of the capture are written when event time passes them: the
    // daemon has no end of input, so only those `analyze` flushed may be missing ('flushed').
    const missing = [...want.values()].filter((t) => !got.has(t.event.id));
    assert.deepEqual(
      missing.filter((t) => t.sip.state !== 'flushed' && t.sip.state !== 'timeout').map((t) => t.event.id),
      [],
      analyzer.stderr().slice(-2000),
    );
    assert.deepEqual(
      [...got.keys()].filter((id) => !want.has(id)),
      [],
      'no record analyze did not write',
    );
    for (const [id, doc] of got) {
      const { data_stream: _ds, ...rest } = doc as SipTransaction & { data_stream?: unknown };
      const event = { ...rest.event } as Record<string, unknown>;
      delete event['ingested'];
      // What analyze flushed at the end of its input, the daemon writes when its idle partition's
      // event time moves past the 32 s transaction timeout.
      const ref = want.get(id);
      const expected = ref?.sip.state === 'flushed' ? { ...ref, sip: { ...ref.sip, state: 'timeout' as const } } : ref;
      assert.deepEqual({ ...rest, event }, expected, id);
      assert.deepEqual(unmappedPaths(doc, SIP_MAPPINGS), [], id);
    }

    // Alerts come from the detect stage, behind the dialog stage's records: wait for them too.
    let alerts = await indexed<Alert>('alert', n.namespace);
    for (const until = Date.now() + 90_000; alerts.size < 8 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 1000));
      alerts = await indexed<Alert>('alert', n.namespace);
    }
    assert.ok(alerts.size >= 8, `${alerts.size} alerts indexed`);
    for (const alert of alerts.values()) {
      assert.ok(
        alert.sipward.evidence.every((e) => typeof e.raw === 'string' && e.raw.includes('SIP/2.0')),
        `${alert.rule.id}: evidence text travelled in the event (sip.raw)`,
      );
      assert.ok(alert.sipward.aggregates?.['source.ip'] !== undefined, alert.rule.id);
    }
  });
});
