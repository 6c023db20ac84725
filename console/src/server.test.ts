// The console's HTTP surface over a directory store: routes, 404 pages, read-only, the token,
// escaping of attacker-controlled text, and a data source that stops answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { DirectoryStore } from './dir-store';
import type { ConsoleStore } from './model';
import { StoreUnavailableError } from './model';
import { createConsoleServer } from './server';
import { syntheticAlert, syntheticCall } from './test-support/synthetic';
import { tempDir } from '../../lib/src/test-support/temp-dir';

async function serve(store: ConsoleStore, authToken?: string): Promise<{ base: string; server: Server }> {
  const server = createConsoleServer({
    store,
    catalog: [
      {
        id: 'SIP-AUTH-01',
        name: 'brute force',
        severity: 47,
        themes: ['FS38:ACCESS'],
        kind: 'event_count',
        status: 'stable',
        requiresSite: false,
      },
    ],
    log: pino({ level: 'silent' }),
    ...(authToken !== undefined ? { authToken } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function demoStore(): Promise<DirectoryStore> {
  const d = tempDir('sipward-server-');
  const hostile = syntheticAlert(1);
  hostile.message = 'SIP-AUTH-01 from <img src=x onerror=alert(1)>';
  hostile.user = { name: '"><script>alert(2)</script>' };
  writeFileSync(join(d, 'alerts.jsonl'), [syntheticAlert(0), hostile].map((a) => JSON.stringify(a)).join('\n') + '\n');
  writeFileSync(join(d, 'calls.jsonl'), [0, 1, 2].map((i) => JSON.stringify(syntheticCall(i))).join('\n') + '\n');
  return DirectoryStore.open(d);
}

void test('every route answers; unknown ids and paths are 404 pages; writes are refused', async () => {
  const { base, server } = await serve(await demoStore());
  try {
    for (const path of [
      '/',
      '/calls',
      '/fraud',
      '/signatures',
      `/alerts/${syntheticAlert(0).event.id}`,
      `/calls/${syntheticCall(1).event.id}`,
    ]) {
      const r = await fetch(base + path);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    }
    const missing = await fetch(`${base}/alerts/nope`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<p id="not-found">No alert with id nope\.<\/p>/);
    assert.equal((await fetch(`${base}/calls/nope`)).status, 404);
    assert.equal((await fetch(`${base}/admin`)).status, 404);
    assert.equal((await fetch(base + '/', { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${base}/alerts/%E0%A4%A`)).status, 404, 'a malformed escape is just an unknown id');
    const csv = await fetch(`${base}/fraud.csv?by=destination`);
    assert.match(csv.headers.get('content-disposition') ?? '', /sipward-fraud-by-destination\.csv/);
    assert.match(
      await csv.text(),
      /^destination,calls,answered,minutes,accounts,alerts\r\nGB,2,1,1,2,0\r\nCU,1,0,0,1,0\r\n$/,
    );
  } finally {
    server.close();
  }
});

void test('without a token only a localhost Host header is served (DNS rebinding)', async () => {
  const { base, server } = await serve(await demoStore());
  const get = (host: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(`${base}/`, { headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
  try {
    assert.equal(await get('evil.example:8080'), 421);
    assert.equal(await get('localhost:8080'), 200);
    assert.equal(await get('[::1]:8080'), 200);
  } finally {
    server.close();
  }
});

void test('a call page draws its ladder from sip-log.jsonl when the directory has one', async () => {
  const store = await demoStore();
  const d = store.dir;
  const call = syntheticCall(1);
  const txn = (cseq: number, method: string, status: number, at: string): string =>
    JSON.stringify({
      '@timestamp': at,
      event: { kind: 'event', dataset: 'sipward.sip', id: `t${cseq}` },
      source: { ip: '198.51.0.1', port: 5060 },
      destination: { ip: '203.0.113.5', port: 5060 },
      sip: { method, call_id: call.call_id, cseq, status_code: status, timings: { final_ms: 3 } },
    });
  writeFileSync(
    join(d, 'sip-log.jsonl'),
    [txn(2, 'BYE', 200, '2026-11-01T00:00:09Z'), txn(1, 'INVITE', 486, '2026-11-01T00:00:05Z')].join('\n') + '\n',
  );
  const { base, server } = await serve(await DirectoryStore.open(d));
  try {
    const page = await (await fetch(`${base}/calls/${call.event.id}`)).text();
    assert.ok(!page.includes('No SIP transaction log'));
    const labels = [...page.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(labels, ['INVITE', '486 INVITE', 'BYE', '200 BYE']);
  } finally {
    server.close();
  }
});

void test('an alert with the evidence extensions: raw text, roles, aggregates, campaign, call ids', async () => {
  const d = tempDir('sipward-server-ext-');
  const alert = syntheticAlert(5);
  const rich = {
    ...alert,
    sipward: {
      ...alert.sipward,
      evidence: alert.sipward.evidence.map((e, i) => ({
        ...e,
        role: i === 1 ? 'threshold' : 'first',
        source: { ip: '198.51.0.5', port: 5060 },
        destination: { ip: '203.0.113.10', port: 5060 },
        raw: `REGISTER sip:x SIP/2.0\r\nX-Evil: </script><script>alert(3)</script>\r\n`,
      })),
      aggregates: {
        'user.name': {
          top: [{ value: 'user5', count: 7 }],
          distinct: 3,
          first_seen: alert.event.start,
          last_seen: alert.event.end,
        },
      },
      call_ids: ['call-2'],
      campaign: { id: 'camp-42' },
    },
  };
  writeFileSync(join(d, 'alerts.jsonl'), JSON.stringify(rich) + '\n');
  writeFileSync(join(d, 'calls.jsonl'), JSON.stringify(syntheticCall(2)) + '\n');
  const { base, server } = await serve(await DirectoryStore.open(d));
  try {
    const page = await (await fetch(`${base}/alerts/${alert.event.id}`)).text();
    assert.match(page, /<td>user\.name<\/td>\s*<td class="num">3<\/td>\s*<td>user5 \(7\)<\/td>/);
    assert.match(page, /href="\/\?campaign=camp-42"/);
    assert.match(page, /data-id="call00000002"/, 'linked through sipward.call_ids');
    assert.match(page, /<td>threshold<\/td>/);
    const json = /<script type="application\/json" id="ladder-messages">([^<]*)<\/script>/.exec(page)?.[1];
    assert.ok(json !== undefined, 'the raw texts stay inside their JSON block');
    const texts = JSON.parse(json) as string[];
    assert.equal(texts.length, 3);
    assert.match(texts[0] ?? '', /X-Evil: <\/script><script>alert\(3\)<\/script>/);
    assert.equal((await (await fetch(`${base}/?campaign=camp-42`)).text()).match(/class="alert-row"/g)?.length, 1);
  } finally {
    server.close();
  }
});

void test('alert text from the wire is escaped, never markup', async () => {
  const { base, server } = await serve(await demoStore());
  try {
    for (const path of ['/', `/alerts/${syntheticAlert(1).event.id}`]) {
      const page = await (await fetch(base + path)).text();
      assert.ok(!page.includes('<img src=x') && !page.includes('<script>alert(2)'), path);
      assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'), path);
    }
  } finally {
    server.close();
  }
});

void test('with a token: 401 without it; Bearer or the cookie set by ?token= once', async () => {
  const { base, server } = await serve(await demoStore(), 's3cret');
  try {
    assert.equal((await fetch(base + '/')).status, 401);
    assert.equal((await fetch(base + '/?token=wrong')).status, 401);
    assert.equal((await fetch(base + '/', { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    const login = await fetch(base + '/calls?token=s3cret&answered=yes', { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/calls?answered=yes');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.match(login.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    assert.equal((await fetch(base + '/calls', { headers: { cookie } })).status, 200);
  } finally {
    server.close();
  }
});

void test('a data source that stops answering gives a 503 page with the banner, and /health says so', async () => {
  const store = await demoStore();
  let down = false;
  const flaky: ConsoleStore = Object.assign(Object.create(store) as ConsoleStore, {
    health: () => Promise.resolve(down ? 'Elasticsearch at x is not answering' : undefined),
    calls: () =>
      down
        ? Promise.reject(new StoreUnavailableError('Elasticsearch at x is not answering'))
        : store.calls({ page: 1, pageSize: 50 }),
  });
  const { base, server } = await serve(flaky);
  try {
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { ok: true, message: 'ok' });
    assert.match(
      await (await fetch(`${base}/calls`)).text(),
      /<div id="live-banner" class="banner" role="alert" hidden>\s*<\/div>/,
    );
    down = true;
    const page = await fetch(`${base}/calls`);
    assert.equal(page.status, 503);
    assert.match(
      await page.text(),
      /<div id="live-banner" class="banner" role="alert" >\s*Elasticsearch at x is not answering\s*<\/div>/,
    );
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { ok: false, message: 'Elasticsearch at x is not answering' });
  } finally {
    server.close();
  }
});
