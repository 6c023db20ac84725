import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createElasticClient, elasticClientOptions } from './es-client';
import { tempDir } from '../../../lib/src/test-support/temp-dir';

void describe('elastic client options', () => {
  void test('defaults: one node, 30 s timeout, no client-level retries, no sniffing', () => {
    const o = elasticClientOptions({ node: 'http://127.0.0.1:9200' });
    assert.equal(o.node, 'http://127.0.0.1:9200');
    assert.equal(o.requestTimeout, 30_000);
    assert.equal(o.maxRetries, 0);
    assert.equal(o.auth, undefined);
    assert.equal(o.tls, undefined);
  });

  void test('several nodes, basic auth, API key wins', () => {
    const o = elasticClientOptions({ node: ['http://a:9200', ' http://b:9200 '], username: 'u', password: 'p' });
    assert.deepEqual(o.node, ['http://a:9200', 'http://b:9200']);
    assert.deepEqual(o.auth, { username: 'u', password: 'p' });
    const k = elasticClientOptions({ node: 'https://a:9200', apiKey: 'abc', username: 'u', password: 'p' });
    assert.deepEqual(k.auth, { apiKey: 'abc' });
  });

  void test('TLS: CA file read, insecure flag', () => {
    const dir = tempDir('sipward-es-');
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const o = elasticClientOptions({ node: 'https://es:9200', caFile: ca, requestTimeoutMs: 5000 });
    assert.match(String(o.tls?.ca), /BEGIN CERTIFICATE/);
    assert.equal(o.requestTimeout, 5000);
    assert.equal(elasticClientOptions({ node: 'https://es:9200', insecure: true }).tls?.rejectUnauthorized, false);
  });

  void test('bad options are SIPWARD_CONFIG_INVALID', () => {
    const bad = [
      { node: [] as string[] },
      { node: 'not a url' },
      { node: 'ftp://x' },
      { node: 'http://x', username: 'u' },
      { node: 'http://x', caFile: '/nonexistent/ca.pem' },
    ];
    for (const b of bad) {
      assert.throws(
        () => elasticClientOptions(b),
        (e: unknown) => (e as { code?: string }).code === 'SIPWARD_CONFIG_INVALID',
        JSON.stringify(b),
      );
    }
  });

  void test('createElasticClient builds a client without contacting the node', async () => {
    const client = createElasticClient({ node: 'http://127.0.0.1:1' });
    await client.close();
  });
});
