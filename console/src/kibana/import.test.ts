// The Kibana loader's side of the import API, against a local HTTP server standing in for Kibana
// (no Kibana in scripts/services): request shape, spaces and base paths, and its failure lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSavedObjects, importUrl } from './import';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function withKibana(
  reply: (seen: Seen) => { status: number; body: string },
  run: (base: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const s = { url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.close();
  }
}

void test('posts the NDJSON as a multipart file with kbn-xsrf, overwrite=true, and the chosen space', async () => {
  await withKibana(
    () => ({ status: 200, body: JSON.stringify({ success: true, successCount: 2 }) }),
    async (base, seen) => {
      const result = await importSavedObjects({
        kibana: `${base}/kibana/`,
        ndjson: '{"type":"index-pattern","id":"a"}\n',
        space: 'soc',
        apiKey: 'a2V5',
      });
      assert.deepEqual(result, { successCount: 2, errors: [] });
      const s = seen[0];
      assert.ok(s !== undefined);
      assert.equal(s.url, '/kibana/s/soc/api/saved_objects/_import?overwrite=true');
      assert.equal(s.headers['kbn-xsrf'], 'sipward');
      assert.equal(s.headers['authorization'], 'ApiKey a2V5');
      assert.match(s.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
      assert.match(s.body, /name="file"; filename="sipward\.ndjson"/);
      assert.match(s.body, /\{"type":"index-pattern","id":"a"\}/);
    },
  );
});

void test('reports objects Kibana rejected, and an HTTP error as one line', async () => {
  await withKibana(
    (s) =>
      s.headers['authorization'] === undefined
        ? { status: 401, body: JSON.stringify({ message: 'missing authentication credentials' }) }
        : {
            status: 200,
            body: JSON.stringify({
              successCount: 1,
              errors: [{ type: 'lens', id: 'x', error: { type: 'missing_references', message: 'no data view' } }],
            }),
          },
    async (base) => {
      await assert.rejects(importSavedObjects({ kibana: base, ndjson: '{}' }), {
        code: 'SIPWARD_KIBANA_UNAVAILABLE',
        message: 'Kibana refused the import: HTTP 401 missing authentication credentials',
      });
      const result = await importSavedObjects({ kibana: base, ndjson: '{}', username: 'u', password: 'p' });
      assert.deepEqual(result.errors, ['lens x: missing_references no data view']);
    },
  );
});

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

void test('an unreachable Kibana or a bad URL is a clear error', async () => {
  const port = await closedPort();
  await assert.rejects(importSavedObjects({ kibana: `http://127.0.0.1:${port}`, ndjson: '{}', timeoutMs: 3000 }), {
    code: 'SIPWARD_KIBANA_UNAVAILABLE',
    message: `Kibana at http://127.0.0.1:${port} is unreachable: ECONNREFUSED`,
  });
  assert.throws(() => importUrl('ftp://x'), { code: 'SIPWARD_USAGE' });
  assert.throws(() => importUrl('not a url'), { code: 'SIPWARD_USAGE' });
  assert.equal(importUrl('http://k:5601', 'default').pathname, '/api/saved_objects/_import');
});
