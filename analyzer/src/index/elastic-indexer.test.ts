import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { errors } from '@elastic/elasticsearch';
import type { Client } from '@elastic/elasticsearch';
import {
  DEFAULT_BACKOFF,
  ElasticIndexer,
  alertsByCall,
  chunkBySize,
  classifyItem,
  dedupeLast,
  isTransientRequestError,
  linkUpdate,
  type IndexDoc,
} from './elastic-indexer';

type Diagnostic = ConstructorParameters<typeof errors.ResponseError>[0];

function responseError(statusCode: number, type: string, reason = 'r'): errors.ResponseError {
  const meta = {
    body: { error: { type, reason }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: {
      context: null,
      name: 'test',
      request: { params: { method: 'POST', path: '/_bulk' }, options: {}, id: 1 },
      connection: null,
      attempts: 0,
      aborted: false,
    },
  } as unknown as Diagnostic;
  return new errors.ResponseError(meta);
}

interface BulkItemReply {
  status: number;
  error?: { type: string; reason: string };
}

interface Op {
  action: Record<string, { _index: string; _id: string; require_alias?: boolean }>;
  doc: Record<string, unknown>;
}

/** In-memory stand-in for the few Client calls the indexer makes; bulk behaviour is scripted. */
class FakeClient {
  bulkCalls: Op[][] = [];
  /** Per bulk call: throw this, or reply per item (default 201). */
  script: Array<Error | ((op: Op) => BulkItemReply)> = [];
  pipelineError: Error | undefined = responseError(400, 'parse_exception', 'No processor type exists with name [set]');
  aliases = new Set<string>();
  dataStreams = new Set<string>();
  templates = new Map<string, Record<string, unknown>>();
  healthErrors: Error[] = [];
  /** Server without data streams: refuse the template, or accept it but never create a stream. */
  dataStreamTemplate: 'ok' | 'refused' | 'inert' = 'ok';

  cluster = {
    health: async (): Promise<{ cluster_name: string; status: string }> => {
      const e = this.healthErrors.shift();
      if (e !== undefined) throw e;
      return { cluster_name: 'fake', status: 'green' };
    },
  };
  ingest = {
    putPipeline: async (): Promise<{ acknowledged: boolean }> => {
      if (this.pipelineError !== undefined) throw this.pipelineError;
      return { acknowledged: true };
    },
  };
  indices = {
    putIndexTemplate: async (body: { name: string } & Record<string, unknown>): Promise<{ acknowledged: boolean }> => {
      if (body.data_stream !== undefined && this.dataStreamTemplate === 'refused') {
        throw responseError(400, 'illegal_argument_exception', 'unknown key [data_stream]');
      }
      this.templates.set(body.name, body);
      return { acknowledged: true };
    },
    existsAlias: async (p: { name: string }): Promise<boolean> => this.aliases.has(p.name),
    create: async (p: { aliases: Record<string, unknown> }): Promise<{ acknowledged: boolean }> => {
      for (const a of Object.keys(p.aliases)) this.aliases.add(a);
      return { acknowledged: true };
    },
    updateAliases: async (): Promise<{ acknowledged: boolean }> => ({ acknowledged: true }),
    resolveIndex: async (p: {
      name: string;
    }): Promise<{
      indices: Array<{ name: string }>;
      aliases: Array<{ name: string }>;
      data_streams: Array<{ name: string }>;
    }> => ({
      indices: [],
      aliases: this.aliases.has(p.name) ? [{ name: p.name }] : [],
      data_streams: this.dataStreams.has(p.name) ? [{ name: p.name }] : [],
    }),
    refresh: async (): Promise<Record<string, never>> => ({}),
  };

  bulk = async (
    p: { operations: string[] },
    opts: { signal?: AbortSignal },
  ): Promise<{ errors: boolean; items: Array<Record<string, BulkItemReply>> }> => {
    const ops: Op[] = [];
    for (let i = 0; i < p.operations.length; i += 2) {
      ops.push({ action: JSON.parse(p.operations[i] ?? '{}'), doc: JSON.parse(p.operations[i + 1] ?? '{}') });
    }
    // The setup probe creates the data stream, like a real node.
    const first = ops[0];
    if (first !== undefined && first.action.create?._id === 'sipward-setup-probe') {
      if (this.dataStreamTemplate === 'ok') this.dataStreams.add(first.action.create._index);
      return {
        errors: true,
        items: [{ create: { status: 400, error: { type: 'document_parsing_exception', reason: 'x' } } }],
      };
    }
    this.bulkCalls.push(ops);
    await new Promise((r) => setImmediate(r));
    if (opts.signal?.aborted) throw new errors.RequestAbortedError('aborted');
    const step = this.script.shift();
    if (step instanceof Error) throw step;
    const reply = step ?? ((): BulkItemReply => ({ status: 201 }));
    const items = ops.map((op) => {
      const kind = Object.keys(op.action)[0] ?? 'index';
      return { [kind]: reply(op) };
    });
    return { errors: items.some((i) => Object.values(i)[0]?.error !== undefined), items };
  };

  close = async (): Promise<void> => undefined;
}

interface LogLine {
  level: number;
  msg: string;
  outage_ms?: number;
  call_mode?: string;
  ingested_by?: string;
}

function setupIndexer(
  fake: FakeClient,
  extra: { maxBulkDocs?: number } = {},
): { indexer: ElasticIndexer; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => logs.push(JSON.parse(s) as LogLine) });
  const indexer = new ElasticIndexer({
    client: fake as unknown as Client,
    namespace: 'unit',
    logger,
    backoff: { initialMs: 1, maxMs: 4 },
    random: () => 0.5,
    ...extra,
  });
  return { indexer, logs };
}

function alert(id: string, count: number): IndexDoc {
  return {
    target: 'alert',
    id,
    doc: { '@timestamp': '2026-01-01T00:00:00Z', event: { id, kind: 'alert' }, sipward: { count } },
  };
}

function call(id: string): IndexDoc {
  return { target: 'call', id, doc: { '@timestamp': '2026-01-01T00:00:00Z', event: { id, kind: 'event' } } };
}

void describe('elastic indexer: pure parts', () => {
  void test('dedupeLast keeps the newest version of an id, per target', () => {
    const { docs, superseded } = dedupeLast([alert('a', 1), call('a'), alert('b', 1), alert('a', 3)]);
    assert.equal(superseded, 1);
    assert.deepEqual(
      docs.map((d) => `${d.target}:${d.id}:${String((d.doc.sipward as { count?: number } | undefined)?.count)}`),
      ['call:a:undefined', 'alert:b:1', 'alert:a:3'],
    );
  });

  void test('chunkBySize bounds bytes and docs; an oversized item goes alone', () => {
    const items = [5, 5, 5, 20, 1, 1, 1, 1].map((bytes, i) => ({ bytes, i }));
    const chunks = chunkBySize(items, 10, 3);
    assert.deepEqual(
      chunks.map((c) => c.map((x) => x.i)),
      [[0, 1], [2], [3], [4, 5, 6], [7]],
    );
    assert.deepEqual(chunkBySize([], 10, 3), []);
  });

  void test('backoff: 100 ms doubling to a 10 s cap, with jitter (lib/src/retry.test.ts tests the policy)', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { initialMs: 100, maxMs: 10_000, jitter: true });
  });

  void test('classifyItem', () => {
    assert.equal(classifyItem('alert', 200, undefined), 'indexed');
    assert.equal(classifyItem('call', 201, undefined), 'indexed');
    assert.equal(classifyItem('call', 409, { type: 'version_conflict_engine_exception' }), 'duplicate');
    assert.equal(classifyItem('alert', 409, { type: 'version_conflict_engine_exception' }), 'reject');
    assert.equal(classifyItem('alert', 429, { type: 'es_rejected_execution_exception' }), 'retry');
    assert.equal(classifyItem('alert', 503, { type: 'unavailable_shards_exception' }), 'retry');
    assert.equal(classifyItem('alert', 403, { type: 'cluster_block_exception' }), 'retry');
    assert.equal(classifyItem('alert', 400, { type: 'document_parsing_exception' }), 'reject');
    assert.equal(classifyItem('alert', 400, { type: 'mapper_parsing_exception' }), 'reject');
    assert.equal(classifyItem('alert', 404, { type: 'index_not_found_exception' }), 'missing_target');
  });

  void test('isTransientRequestError', () => {
    assert.equal(isTransientRequestError(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200')), true);
    assert.equal(isTransientRequestError(new errors.TimeoutError('timeout')), true);
    assert.equal(isTransientRequestError(new errors.NoLivingConnectionsError('none', undefined as never)), true);
    assert.equal(isTransientRequestError(responseError(429, 'es_rejected_execution_exception')), true);
    assert.equal(isTransientRequestError(responseError(503, 'unavailable_shards_exception')), true);
    assert.equal(isTransientRequestError(responseError(400, 'parse_exception')), false);
    assert.equal(isTransientRequestError(new Error('bug')), false);
  });
});

void describe('elastic indexer: setup and write against a scripted client', () => {
  void test('setup: client-side event.ingested, data stream probe, alias created once', async () => {
    const fake = new FakeClient();
    const { indexer, logs } = setupIndexer(fake);
    const mode = await indexer.setup();
    assert.deepEqual(mode, {
      ingested: 'client',
      calls: 'data_stream',
      alertAlias: 'logs-sipward.alert-unit',
      callTarget: 'logs-sipward.call-unit',
    });
    assert.ok(fake.aliases.has('logs-sipward.alert-unit'));
    assert.deepEqual((fake.templates.get('sipward-call') as { data_stream?: unknown }).data_stream, {});
    const ready = logs.filter((l) => l.call_mode !== undefined);
    assert.equal(ready.length, 1);
    assert.equal(ready[0]?.ingested_by, 'client');
    assert.deepEqual(await indexer.setup(), mode, 'idempotent');
  });

  for (const server of ['refused', 'inert'] as const) {
    void test(`setup: no data streams (template ${server}) → call records behind a write alias`, async () => {
      const fake = new FakeClient();
      fake.dataStreamTemplate = server;
      const { indexer, logs } = setupIndexer(fake);
      assert.equal((await indexer.setup()).calls, 'alias');
      assert.ok(fake.aliases.has('logs-sipward.call-unit'));
      assert.equal((fake.templates.get('sipward-call') as { data_stream?: unknown }).data_stream, undefined);
      assert.equal(logs.filter((l) => l.msg.startsWith('Elasticsearch without data streams')).length, 1);
      await indexer.write([call('c1')]);
      assert.deepEqual(fake.bulkCalls[0]?.[0]?.action, {
        create: { _index: 'logs-sipward.call-unit', _id: 'c1', require_alias: true },
      });
    });
  }

  void test('setup: pipeline mode sets index.default_pipeline and leaves event.ingested to it', async () => {
    const fake = new FakeClient();
    fake.pipelineError = undefined;
    const { indexer } = setupIndexer(fake);
    assert.equal((await indexer.setup()).ingested, 'pipeline');
    const t = fake.templates.get('sipward-alert') as { template: { settings: Record<string, unknown> } };
    assert.equal(t.template.settings['index.default_pipeline'], 'sipward-ingested');
    await indexer.write([alert('a', 1)]);
    assert.equal((fake.bulkCalls[0]?.[0]?.doc.event as { ingested?: string }).ingested, undefined);
  });

  void test('setup waits out an outage', async () => {
    const fake = new FakeClient();
    fake.healthErrors = [new errors.ConnectionError('ECONNREFUSED'), new errors.ConnectionError('ECONNREFUSED')];
    const { indexer, logs } = setupIndexer(fake);
    await indexer.setup();
    assert.equal(indexer.stats().outages, 1);
    assert.equal(logs.filter((l) => l.level === 40 && l.msg.startsWith('Elasticsearch unavailable')).length, 1);
    assert.equal(logs.filter((l) => l.outage_ms !== undefined).length, 1);
  });

  void test('write: ops, ids, require_alias, event.ingested and data_stream fields', async () => {
    const fake = new FakeClient();
    const { indexer } = setupIndexer(fake);
    await indexer.setup();
    const input = [alert('a', 1), call('c1'), alert('a', 2)];
    const before = JSON.stringify(input);
    const res = await indexer.write(input);
    assert.deepEqual(res, { indexed: 2, duplicates: 0, superseded: 1, rejected: [] });
    assert.equal(JSON.stringify(input), before, 'the caller documents are not modified');
    const ops = fake.bulkCalls[0] ?? [];
    assert.equal(ops.length, 2, 'one alert (last version) and one call record');
    const byId = new Map(ops.map((o) => [Object.values(o.action)[0]?._id, o]));
    assert.deepEqual(byId.get('a')?.action, {
      index: { _index: 'logs-sipward.alert-unit', _id: 'a', require_alias: true },
    });
    assert.deepEqual(byId.get('c1')?.action, { create: { _index: 'logs-sipward.call-unit', _id: 'c1' } });
    assert.equal((byId.get('a')?.doc.sipward as { count: number }).count, 2, 'the newest version');
    const ingested = (byId.get('a')?.doc.event as { ingested?: string }).ingested;
    assert.ok(ingested !== undefined && !Number.isNaN(Date.parse(ingested)));
    assert.deepEqual(byId.get('c1')?.doc.data_stream, { type: 'logs', dataset: 'sipward.call', namespace: 'unit' });
  });

  void test('write: transient failures retried (only the failed items), rejects and duplicates reported', async () => {
    const fake = new FakeClient();
    const { indexer, logs } = setupIndexer(fake);
    await indexer.setup();
    fake.script = [
      new errors.ConnectionError('connect ECONNREFUSED'),
      responseError(503, 'unavailable_shards_exception'),
      (op) => {
        const id = Object.values(op.action)[0]?._id;
        if (id === 'bad')
          return {
            status: 400,
            error: { type: 'document_parsing_exception', reason: 'failed to parse field [source.ip]' },
          };
        if (id === 'busy')
          return { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } };
        if (id === 'dup')
          return { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } };
        return { status: 201 };
      },
    ];
    const res = await indexer.write([alert('ok', 1), alert('bad', 1), alert('busy', 1), call('dup')]);
    assert.equal(res.indexed, 2);
    assert.equal(res.duplicates, 1);
    assert.equal(res.rejected.length, 1);
    assert.equal(res.rejected[0]?.id, 'bad');
    assert.equal(res.rejected[0]?.status, 400);
    assert.match(res.rejected[0]?.reason ?? '', /document_parsing_exception/);
    assert.equal(fake.bulkCalls.length, 4);
    assert.deepEqual(
      fake.bulkCalls[3]?.map((o) => Object.values(o.action)[0]?._id),
      ['busy'],
      'only the failed item is sent again',
    );
    assert.deepEqual(indexer.stats(), { indexed: 2, duplicates: 1, retries: 3, rejected: 1, outages: 1 });
    assert.equal(logs.filter((l) => l.msg.startsWith('Elasticsearch unavailable')).length, 1, 'one warning per outage');
    assert.equal(logs.filter((l) => l.outage_ms !== undefined).length, 1, 'one recovery line');
  });

  void test('write: a bulk refused as a whole is halved until the bad document stands alone', async () => {
    const fake = new FakeClient();
    const { indexer } = setupIndexer(fake);
    await indexer.setup();
    const refuse = responseError(400, 'illegal_argument_exception', 'bad');
    // 4 docs refused; halves [a,b] ok, [c,d] refused; [c] ok, [d] refused.
    fake.script = [refuse, () => ({ status: 201 }), refuse, () => ({ status: 201 }), refuse];
    const res = await indexer.write(['a', 'b', 'c', 'd'].map((id) => alert(id, 1)));
    assert.equal(res.indexed, 3);
    assert.deepEqual(
      res.rejected.map((r) => r.id),
      ['d'],
    );
  });

  void test('write: chunks of at most maxBulkDocs', async () => {
    const fake = new FakeClient();
    const { indexer } = setupIndexer(fake, { maxBulkDocs: 3 });
    await indexer.setup();
    const res = await indexer.write(Array.from({ length: 7 }, (_, i) => call(`c${i}`)));
    assert.equal(res.indexed, 7);
    assert.deepEqual(
      fake.bulkCalls.map((c) => c.length),
      [3, 3, 1],
    );
  });

  void test('write: a vanished write alias is created again, not auto-created as an index', async () => {
    const fake = new FakeClient();
    const { indexer } = setupIndexer(fake);
    await indexer.setup();
    fake.aliases.clear();
    fake.script = [() => ({ status: 404, error: { type: 'index_not_found_exception', reason: 'require_alias' } })];
    const res = await indexer.write([alert('a', 1)]);
    assert.equal(res.indexed, 1);
    assert.ok(fake.aliases.has('logs-sipward.alert-unit'));
  });

  void test('close() ends a write that retries forever, with a clear error', async () => {
    const fake = new FakeClient();
    const { indexer } = setupIndexer(fake);
    await indexer.setup();
    fake.script = Array.from({ length: 100_000 }, () => new errors.ConnectionError('connect ECONNREFUSED'));
    const pending = indexer.write([alert('a', 1), alert('b', 1)]);
    // Bounded wait rather than a fixed 50 ms: on a loaded machine (or Node 24's slower timers
    // under load) 50 ms held only three attempts.
    for (let waited = 0; fake.bulkCalls.length <= 3 && waited < 5000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(fake.bulkCalls.length > 3, 'still retrying');
    await indexer.close();
    await assert.rejects(pending, (e: unknown) => {
      const err = e as { code?: string; retriable?: boolean; message?: string };
      return err.code === 'SIPWARD_INDEX_UNAVAILABLE' && err.retriable === true && /2 document/.test(err.message ?? '');
    });
    await assert.rejects(indexer.write([alert('c', 1)]), /closed/);
  });

  void test('write before setup is a usage error; a bad namespace is refused', async () => {
    const { indexer } = setupIndexer(new FakeClient());
    await assert.rejects(indexer.write([alert('a', 1)]), /setup\(\)/);
    assert.throws(
      () =>
        new ElasticIndexer({
          client: new FakeClient() as unknown as Client,
          namespace: 'a-b',
          logger: pino({ level: 'silent' }),
        }),
      /namespace/,
    );
  });
});

void describe('call links of many alerts at once', () => {
  void test('alertsByCall: each Call-ID with the alerts that name it, each alert once', () => {
    const byCall = alertsByCall([
      { alertId: 'a1', callIds: ['c1', 'c2', 'c1'] },
      { alertId: 'a2', callIds: ['c2'] },
      { alertId: 'a3', callIds: [] },
    ]);
    assert.deepEqual(
      [...byCall],
      [
        ['c1', ['a1']],
        ['c2', ['a1', 'a2']],
      ],
    );
  });

  void test('linkUpdate: adds only the wanted alerts a record lacks; nothing when it lacks none', () => {
    const wanted = new Map([['c2', ['a1', 'a2']]]);
    assert.deepEqual(linkUpdate({ call_id: 'c2', alert_ids: ['a2'] }, wanted), {
      callId: 'c2',
      alertIds: ['a2', 'a1'],
    });
    assert.deepEqual(linkUpdate({ call_id: 'c2' }, wanted), { callId: 'c2', alertIds: ['a1', 'a2'] });
    assert.equal(linkUpdate({ call_id: 'c2', alert_ids: ['a1', 'a2', 'x'] }, wanted), undefined);
    assert.equal(linkUpdate({ call_id: 'other' }, wanted), undefined);
    assert.equal(linkUpdate({}, wanted), undefined);
  });
});
