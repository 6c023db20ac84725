// @elastic/elasticsearch 8.19.2 against the real node of `scripts/services up`.
// scripts/services runs Maven Central's integ-test-zip, which carries only the modules apm,
// transport-netty4, x-pack-core and x-pack-security.  Where a feature lives in a module it lacks
// (rest-root: GET / and HEAD /; data-streams: the _data_stream APIs; ingest-common: processors),
// the test asserts the behaviour that matches the modules the node reports, so the same file also
// passes against the full distribution of docker-compose.yml.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, errors } from '@elastic/elasticsearch';
import { elasticsearchUrl, requireElasticsearch, serviceVersions, uniqueName } from './services';

interface Doc {
  '@timestamp': string;
  'event.id': string;
  'rule.id': string;
  message: string;
  count: number;
}

function statusOf(e: unknown): number | undefined {
  return e instanceof errors.ResponseError ? e.meta.statusCode : undefined;
}

function docs(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({
    '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    'event.id': `evt-${i}`,
    'rule.id': i % 2 === 0 ? 'SIP-REC-01' : 'SIP-AUTH-01',
    message: `test alert ${i}`,
    count: i,
  }));
}

const mappings = {
  properties: {
    '@timestamp': { type: 'date' as const },
    event: { properties: { id: { type: 'keyword' as const } } },
    rule: { properties: { id: { type: 'keyword' as const } } },
    // Plain text: match_only_text (ECS's choice) needs mapper-extras, absent from integ-test-zip.
    message: { type: 'text' as const },
    count: { type: 'long' as const },
  },
};

void describe('elasticsearch (real node)', () => {
  const client = new Client({ node: elasticsearchUrl, requestTimeout: 30_000 });
  let modules = new Set<string>();
  const indexTemplates: string[] = [];
  const indices: string[] = [];
  const dataStreams: string[] = [];
  const pipelines: string[] = [];

  before(async () => {
    await requireElasticsearch();
    const info = await client.nodes.info({ node_id: '_local', metric: 'plugins' });
    const node = Object.values(info.nodes)[0];
    assert.ok(node !== undefined, 'nodes.info lists the local node');
    modules = new Set((node.modules ?? []).map((m) => m.name));
  });

  after(async () => {
    for (const p of pipelines) await client.ingest.deletePipeline({ id: p }).catch(() => undefined);
    for (const i of indices) await client.indices.delete({ index: i }).catch(() => undefined);
    // Without the data-streams module a data stream cannot be deleted, nor its template:
    // names are unique, and `scripts/services clean` wipes them.
    if (modules.has('data-streams')) {
      for (const d of dataStreams) await client.indices.deleteDataStream({ name: d }).catch(() => undefined);
    }
    for (const t of indexTemplates) await client.indices.deleteIndexTemplate({ name: t }).catch(() => undefined);
    await client.close();
  });

  void test('the node reports its version (info() where the server serves GET /)', async () => {
    const nodes = await client.nodes.info({ node_id: '_local' });
    const version = Object.values(nodes.nodes)[0]?.version;
    assert.ok(version !== undefined, 'node version');
    console.log(`elasticsearch ${version} at ${elasticsearchUrl}; modules: ${[...modules].sort().join(', ')}`);
    assert.match(version, /^8\.\d+\.\d+$/, 'client 8.19.2 needs an 8.x server');
    const expected = serviceVersions().elasticsearch;
    if (expected !== undefined) assert.equal(version, expected, 'the version scripts/services started');

    if (modules.has('rest-root')) {
      const info = await client.info();
      assert.equal(info.version.number, version);
    } else {
      // integ-test-zip: GET / and HEAD / are not routed, so info() and ping() fail with 405.
      // Daemon start-up checks must use cluster.health, which every distribution serves.
      await assert.rejects(client.info(), (e: unknown) => statusOf(e) === 405);
      await assert.rejects(client.ping(), (e: unknown) => statusOf(e) === 405);
    }
    const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' });
    assert.notEqual(health.status, 'red');
  });

  void test('composable index template, bulk index, refresh and search', async () => {
    const base = uniqueName('sipward-it-index');
    const index = `${base}-000001`;
    indexTemplates.push(base);
    indices.push(index);
    await client.indices.putIndexTemplate({
      name: base,
      index_patterns: [`${base}-*`],
      priority: 600,
      template: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings },
    });

    const n = 20;
    const bulk = await client.bulk({
      operations: docs(n).flatMap((d) => [{ index: { _index: index, _id: d['event.id'] } }, d]),
    });
    assert.equal(bulk.errors, false, JSON.stringify(bulk.items.find((i) => i.index?.error)));
    await client.indices.refresh({ index });

    const res = await client.search<Doc>({
      index,
      query: { term: { 'rule.id': 'SIP-REC-01' } },
      size: 100,
      track_total_hits: true,
    });
    const total = typeof res.hits.total === 'number' ? res.hits.total : res.hits.total?.value;
    assert.equal(total, n / 2);
    assert.ok(res.hits.hits.every((h) => h._source?.['rule.id'] === 'SIP-REC-01'));

    // The template's explicit mapping was applied, not dynamic text+keyword.
    const mapping = await client.indices.getMapping({ index });
    const props = mapping[index]?.mappings.properties;
    assert.deepEqual(props?.rule, { properties: { id: { type: 'keyword' } } });
  });

  void test('data stream from a composable template: bulk create, search, deterministic ids', async () => {
    const name = `logs-${uniqueName('sipwardit').replace(/-/g, '.')}-default`;
    indexTemplates.push(name);
    dataStreams.push(name);
    await client.indices.putIndexTemplate({
      name,
      index_patterns: [name],
      data_stream: {},
      priority: 600,
      template: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings },
    });

    const n = 10;
    // Data streams only take op_type create; a fixed _id makes a re-delivery a 409, not a duplicate.
    const ops = docs(n).flatMap((d) => [{ create: { _index: name, _id: d['event.id'] } }, d]);
    const first = await client.bulk({ operations: ops, refresh: true });
    assert.equal(first.errors, false, JSON.stringify(first.items.find((i) => i.create?.error)));
    assert.ok(
      first.items.every((i) => i.create?._index?.startsWith(`.ds-${name}-`)),
      'written to a backing index',
    );

    const again = await client.bulk({ operations: ops, refresh: true });
    assert.ok(
      again.items.every((i) => i.create?.status === 409),
      're-delivery is rejected as a duplicate',
    );

    const count = await client.count({ index: name });
    assert.equal(count.count, n);
    const res = await client.search<Doc>({ index: name, query: { range: { count: { gte: 5 } } }, size: 100 });
    assert.equal(res.hits.hits.length, 5);

    // _resolve/index is core: it lists the data stream on every distribution.
    const resolved = await client.indices.resolveIndex({ name });
    assert.deepEqual(
      resolved.data_streams.map((d) => d.name),
      [name],
    );
    if (modules.has('data-streams')) {
      const got = await client.indices.getDataStream({ name });
      assert.equal(got.data_streams[0]?.name, name);
    } else {
      await assert.rejects(client.indices.getDataStream({ name }), (e: unknown) => {
        const s = statusOf(e);
        return s === 400 || s === 404 || s === 405;
      });
    }
  });

  void test('field types: core ones map everywhere, extras only with their modules', async () => {
    const core = [
      'keyword',
      'text',
      'date',
      'date_nanos',
      'long',
      'integer',
      'boolean',
      'ip',
      'flattened',
      'geo_point',
    ];
    // ECS templates like these; each lives in a module the integ-test-zip does not carry.
    const extras = ['match_only_text', 'constant_keyword', 'wildcard', 'scaled_float', 'unsigned_long', 'version'];
    const accepted = async (type: string): Promise<boolean> => {
      const index = uniqueName(`sipward-it-type-${type.replace(/_/g, '-')}`);
      try {
        await client.indices.create({
          index,
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: { properties: { f: { type } } } as Record<string, unknown>,
        });
      } catch (e) {
        if (statusOf(e) === 400) return false;
        throw e;
      }
      await client.indices.delete({ index });
      return true;
    };
    for (const type of core) assert.equal(await accepted(type), true, `core field type ${type}`);
    const missing: string[] = [];
    for (const type of extras) if (!(await accepted(type))) missing.push(type);
    console.log(`field types this node lacks: ${missing.length > 0 ? missing.join(', ') : 'none'}`);
    assert.equal(missing.includes('match_only_text'), !modules.has('mapper-extras'));
  });

  void test('ingest pipelines: API present; processors only with the ingest-common module', async () => {
    const id = uniqueName('sipward-it-pipeline');
    const index = uniqueName('sipward-it-ingest');
    pipelines.push(id);
    indices.push(index);
    const setProcessor = { set: { field: 'sipward.ingested', value: 'yes' } };
    if (modules.has('ingest-common')) {
      await client.ingest.putPipeline({ id, processors: [setProcessor] });
    } else {
      await assert.rejects(client.ingest.putPipeline({ id, processors: [setProcessor] }), (e: unknown) => {
        return statusOf(e) === 400 && String((e as Error).message).includes('No processor type exists with name [set]');
      });
      // The pipeline API itself is core: an empty pipeline can still be installed and used.
      await client.ingest.putPipeline({ id, processors: [] });
    }
    await client.index({ index, id: 'one', pipeline: id, document: { a: 1 }, refresh: true });
    const got = await client.get<Record<string, unknown>>({ index, id: 'one' });
    assert.equal(got._source?.a, 1);
    if (modules.has('ingest-common')) {
      assert.deepEqual(got._source?.sipward, { ingested: 'yes' });
    }
  });
});
