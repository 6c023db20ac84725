// `sipward ui` in a real headless Chromium (Debian's chromium via puppeteer-core), on the demo
// capture's output twice: from `analyze --out-dir` and from the real Elasticsearch node after the
// analyzer's indexer wrote the same alerts and calls. Every page is checked against the files
// `analyze` wrote (not against the console's own code) and screenshotted to test-artifacts/ui/.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import pino from 'pino';
import type { Alert } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';
import type { SipTransaction } from '../../schema/src/sip-transaction';
import { ElasticIndexer, type IndexDoc } from '../../analyzer/src/index/elastic-indexer';
import { createElasticClient } from '../../analyzer/src/index/es-client';
import { sipTemplate } from '../../analyzer/src/index/templates';
import { syntheticAlert } from '../../console/src/test-support/synthetic';
import { ARTIFACTS, launchChromium, startUi, TcpRelay, type RunningUi } from './console-harness';
import { elasticsearchUrl, requireElasticsearch } from './services';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { jsonLines, runSipward, type SipwardRun } from '../../lib/src/test-support/run-sipward';

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 120_000 });
}

function jsonl<T>(file: string): T[] {
  return jsonLines<T>(readFileSync(file, 'utf8'));
}

interface Demo {
  dir: string;
  alerts: Alert[];
  calls: CallRecord[];
  /** The SIP transaction log `analyze --out-dir` writes (one record per transaction). */
  sipLog: SipTransaction[];
}

/** "…T18:05:02.073270Z" → µs since the epoch. */
function micros(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  assert.ok(m !== null, ts);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

/**
 * The arrows a call's ladder must show, read from the transaction log: each transaction's request,
 * its provisional responses (at the first response time) and its final response, in time order.
 */
function expectedLadder(callId: string): string[] {
  const messages: Array<{ t: number; label: string }> = [];
  for (const t of demo.sipLog.filter((x) => x.sip.call_id === callId)) {
    const at = micros(t['@timestamp']);
    const user = t.sip.request_uri_user;
    messages.push({ t: at, label: user === undefined ? t.sip.method : `${t.sip.method} ${user}` });
    for (const code of t.sip.provisional ?? []) {
      messages.push({
        t: at + Math.round((t.sip.timings.first_response_ms ?? 0) * 1000),
        label: `${code} ${t.sip.method}`,
      });
    }
    if (t.sip.status_code !== undefined) {
      messages.push({
        t: at + Math.round((t.sip.timings.final_ms ?? 0) * 1000),
        label: `${t.sip.status_code} ${t.sip.method}`,
      });
    }
  }
  return messages.sort((a, b) => a.t - b.t).map((m) => m.label);
}

let demo: Demo;
let browser: Browser;

before(async () => {
  const dir = tempDir('sipward-console-');
  const r = sipward(['analyze', 'samples/demo-attacks.pcap', '--out-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  demo = {
    dir,
    alerts: jsonl<Alert>(join(dir, 'alerts.jsonl')),
    calls: jsonl<CallRecord>(join(dir, 'calls.jsonl')),
    sipLog: jsonl<SipTransaction>(join(dir, 'sip-log.jsonl')),
  };
  assert.ok(demo.alerts.length >= 8 && demo.calls.length > 100, 'the demo capture has its alerts and calls');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** The transaction log into `logs-sipward.sip-<ns>` under its template, as the analyzer daemon writes it. */
function indexDoc(target: 'alert' | 'call', record: Alert | CallRecord): IndexDoc {
  return { target, id: record.event.id, doc: record as unknown as Record<string, unknown> };
}

/** Sets up `namespace` in the test Elasticsearch and writes `docs` (none rejected), refreshed. */
async function indexAll(namespace: string, docs: IndexDoc[]): Promise<void> {
  const indexer = new ElasticIndexer({
    connection: { node: elasticsearchUrl },
    namespace,
    logger: pino({ level: 'silent' }),
  });
  await indexer.setup();
  assert.equal((await indexer.write(docs)).rejected.length, 0);
  await indexer.refresh();
  await indexer.close();
}

async function indexSipLog(namespace: string, records: SipTransaction[]): Promise<void> {
  const client = createElasticClient({ node: elasticsearchUrl });
  try {
    const template = sipTemplate({ dataStream: true });
    const { name, ...body } = template;
    await client.indices.putIndexTemplate({ name, ...body } as Parameters<typeof client.indices.putIndexTemplate>[0]);
    const index = `logs-sipward.sip-${namespace}`;
    const operations = records.flatMap((r) => [{ create: { _index: index, _id: r.event.id } }, r]);
    const result = await client.bulk({ operations, refresh: true });
    assert.equal(result.errors, false, 'every transaction indexed');
  } finally {
    await client.close();
  }
}

async function open(page: Page, url: string): Promise<number> {
  const response = await page.goto(url, { waitUntil: 'load' });
  return response?.status() ?? 0;
}

function rowIds(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

async function totalShown(page: Page): Promise<number> {
  return Number(await page.$eval('.pager .total', (b) => b.textContent));
}

/** The alert list, its filters, each alert's ladder, calls, fraud: the same checks for both sources. */
async function checkConsole(ui: RunningUi, label: string): Promise<void> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  const base = ui.url.replace(/\/$/, '');
  const { alerts, calls } = demo;

  // Every alert, newest first.
  assert.equal(await open(page, base + '/'), 200);
  const newestFirst = [...alerts]
    .sort((a, b) => Date.parse(b['@timestamp']) - Date.parse(a['@timestamp']))
    .map((a) => a.event.id);
  assert.deepEqual(await rowIds(page, '#alerts tr.alert-row'), newestFirst, `${label}: every alert, newest first`);
  assert.equal(await totalShown(page), alerts.length);
  const chips = await page.$$eval('#signature-counts a', (as) =>
    as.map((a) => [a.getAttribute('data-signature'), Number(a.getAttribute('data-count'))]),
  );
  const perRule = new Map<string, number>();
  for (const a of alerts) perRule.set(a.rule.id, (perRule.get(a.rule.id) ?? 0) + 1);
  assert.deepEqual(new Map(chips as Array<[string, number]>), perRule, `${label}: counts per signature`);
  await page.screenshot({ path: join(ARTIFACTS, `${label}-alerts.png`), fullPage: true });

  // Filters through the form, as an analyst uses them.
  await page.select('#alert-filters select[name=signature]', 'SIP-AUTH-01');
  await Promise.all([page.waitForNavigation(), page.click('#alert-filters button[type=submit]')]);
  const auth = alerts.filter((a) => a.rule.id === 'SIP-AUTH-01').map((a) => a.event.id);
  assert.deepEqual(await rowIds(page, '#alerts tr.alert-row'), auth, `${label}: signature filter`);

  const filters: Array<[string, (a: Alert) => boolean]> = [
    ['severity=21', (a) => a.event.severity === 21],
    ['severity=47', (a) => a.event.severity === 47],
    ['theme=FS38:RECON', (a) => a.sipward.fs38.theme.includes('FS38:RECON')],
    ['account=alice', (a) => a.user?.name === 'alice'],
    ['source=10.77.0.66', (a) => a.source?.ip === '10.77.0.66'],
    ['source=192.0.2.1', () => false],
    ['source=not-an-ip', () => false],
    ['from=2026-11-28T18:10:10', (a) => Date.parse(a['@timestamp']) >= Date.parse('2026-11-28T18:10:10Z')],
    [
      'severity=47&account=alice&to=2026-11-28T18:10:20',
      (a) =>
        a.event.severity === 47 &&
        a.user?.name === 'alice' &&
        Date.parse(a['@timestamp']) <= Date.parse('2026-11-28T18:10:20Z'),
    ],
  ];
  for (const [query, keep] of filters) {
    await open(page, `${base}/?${query}`);
    const expected = alerts
      .filter(keep)
      .map((a) => a.event.id)
      .sort();
    assert.deepEqual((await rowIds(page, '#alerts tr.alert-row')).sort(), expected, `${label}: ?${query}`);
    assert.equal(await totalShown(page), expected.length, `${label}: total of ?${query}`);
  }
  const narrower = alerts.filter((a) => a.event.severity === 47).length;
  assert.ok(narrower > 0 && narrower < alerts.length, 'the severity filter really narrows');

  // Each alert's page: a ladder with one arrow per evidence message, between the right hosts.
  for (const alert of alerts) {
    assert.equal(await open(page, `${base}/alerts/${alert.event.id}`), 200);
    const arrows = await page.$$eval('svg.ladder g.msg', (gs) =>
      gs.map((g) => {
        const line = g.querySelector('line.arrow, path.arrow');
        return {
          title: g.querySelector('title')?.textContent ?? '',
          x1: Number(line?.getAttribute('x1') ?? line?.getAttribute('d')?.slice(1).split(',')[0]),
          x2: Number(line?.getAttribute('x2') ?? line?.getAttribute('d')?.slice(1).split(',')[0]),
        };
      }),
    );
    const hosts = new Map(
      await page.$$eval('svg.ladder text.host', (ts) =>
        ts.map((t) => [t.textContent ?? '', Number(t.getAttribute('x'))] as [string, number]),
      ),
    );
    const evidence = alert.sipward.evidence;
    assert.equal(arrows.length, evidence.length, `${label} ${alert.rule.id}: one arrow per evidence message`);
    evidence.forEach((e, i) => {
      const arrow = arrows[i];
      assert.ok(arrow !== undefined && arrow.title.startsWith(e.summary), `${label}: arrow ${i} is "${e.summary}"`);
      const m = /(\S+):\d+ → (\S+):\d+/.exec(e.summary);
      assert.ok(m !== null);
      assert.equal(arrow.x1, hosts.get(m[1] ?? ''), `${label}: arrow ${i} starts at ${m[1]}`);
      assert.equal(arrow.x2, hosts.get(m[2] ?? ''), `${label}: arrow ${i} ends at ${m[2]}`);
    });
    // Clicking an arrow shows that message.
    await page.click('svg.ladder g.msg:last-of-type .label');
    const shown = await page.$eval('#raw-message', (p) => p.textContent ?? '');
    const last = evidence[evidence.length - 1];
    assert.ok(
      last !== undefined && shown.includes((last as { raw?: string }).raw ?? last.summary),
      `${label}: click shows the message`,
    );
    const aggregates = await page.$$eval('#aggregates tbody tr td:first-child', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(
      aggregates,
      Object.keys(alert.sipward.aggregates ?? {}),
      `${label}: one row per incident aggregate`,
    );
    const reason = await page.$eval('#reason', (d) => d.textContent);
    assert.equal(reason, alert.event.reason ?? 'not recorded');
    const linked = await rowIds(page, '#linked-calls tr.call-row');
    const expectLinked = calls
      .filter(
        (c) =>
          c.alert_ids.includes(alert.event.id) ||
          c.call_id === alert.sip?.['call_id'] ||
          (alert.sipward.call_ids ?? []).includes(c.call_id),
      )
      .map((c) => c.event.id);
    assert.deepEqual(linked.sort(), expectLinked.sort(), `${label} ${alert.rule.id}: linked calls`);
  }
  const withCalls = alerts.find((a) => calls.some((c) => c.alert_ids.includes(a.event.id))) ?? alerts[0];
  await open(page, `${base}/alerts/${withCalls?.event.id}`);
  await page.click('svg.ladder g.msg .label');
  await page.screenshot({ path: join(ARTIFACTS, `${label}-alert.png`), fullPage: true });

  // Calls: every record, the fraud filters, one call's ladder.
  await open(page, `${base}/calls`);
  assert.equal(await totalShown(page), calls.length, `${label}: every call record`);
  await page.screenshot({ path: join(ARTIFACTS, `${label}-calls.png`) });
  const answered = calls.filter((c) => c.outcome === 'answered');
  await open(page, `${base}/calls?answered=yes`);
  assert.equal(await totalShown(page), answered.length, `${label}: answered filter`);
  assert.deepEqual((await rowIds(page, '#calls tr.call-row')).sort(), answered.map((c) => c.event.id).sort());
  await open(page, `${base}/calls?answered=no&account=flood1`);
  assert.equal(
    await totalShown(page),
    calls.filter((c) => c.outcome !== 'answered' && c.caller.user === 'flood1').length,
  );
  await open(page, `${base}/calls?min_duration=0.5`);
  assert.equal(await totalShown(page), calls.filter((c) => c.duration_s >= 0.5).length);
  const call = answered[0];
  assert.ok(call !== undefined);
  assert.equal(await open(page, `${base}/calls/${call.event.id}`), 200);
  const labels = await page.$$eval('svg.ladder g.msg .label', (ts) => ts.map((t) => t.textContent));
  const fromLog = expectedLadder(call.call_id);
  assert.ok(
    fromLog.length >= 4 && fromLog.some((l) => l.startsWith('BYE')),
    `the log holds the call's transactions: ${fromLog.join(', ')}`,
  );
  assert.deepEqual(labels, fromLog, `${label}: the call's ladder is its transaction log`);
  await page.screenshot({ path: join(ARTIFACTS, `${label}-call.png`), fullPage: true });

  // Fraud: the totals of every call record.
  await open(page, `${base}/fraud`);
  const totals = await page.$$eval('#fraud-totals [data-total]', (bs) =>
    Object.fromEntries(bs.map((b) => [b.getAttribute('data-total'), Number(b.textContent)])),
  );
  const seconds = answered.reduce((s, c) => s + c.duration_s, 0);
  assert.deepEqual(totals, {
    calls: calls.length,
    answered: answered.length,
    minutes: Math.round((seconds / 60) * 100) / 100,
  });
  const accountRows = await page.$$eval('#fraud-accounts tbody tr', (rs) => rs.length);
  const accounts = new Set(calls.map((c) => c.caller.auth_user ?? c.caller.user ?? '(none)'));
  assert.equal(accountRows, accounts.size, `${label}: one fraud row per account`);
  await page.screenshot({ path: join(ARTIFACTS, `${label}-fraud.png`) });
  const csv = await (await fetch(`${base}/fraud.csv?by=account`)).text();
  assert.equal(csv.trim().split('\r\n').length, accounts.size + 1, 'CSV: header + one line per account');

  await open(page, `${base}/signatures`);
  const auth01 = await page.$eval('#signatures tr[data-id="SIP-AUTH-01"] td:last-child', (td) => td.textContent);
  assert.equal(Number(auth01), perRule.get('SIP-AUTH-01'));
  await page.screenshot({ path: join(ARTIFACTS, `${label}-signatures.png`) });

  // An unknown alert id is a 404 page.
  assert.equal(await open(page, `${base}/alerts/no-such-alert`), 404);
  assert.match(await page.$eval('#not-found', (p) => p.textContent ?? ''), /No alert with id no-such-alert/);
  await page.close();
}

void describe('sipward ui in Chromium', () => {
  void test('from an analyze --out-dir directory', async () => {
    const ui = await startUi(['--from', demo.dir]);
    try {
      await checkConsole(ui, 'dir');
    } finally {
      await ui.stop();
    }
  });

  void test('from the real Elasticsearch node, and a banner when it goes away mid-session', async () => {
    await requireElasticsearch();
    const namespace = `console${Date.now().toString(36)}`;
    await indexAll(namespace, [
      ...demo.alerts.map((a) => indexDoc('alert', a)),
      ...demo.calls.map((c) => indexDoc('call', c)),
    ]);
    await indexSipLog(namespace, demo.sipLog);

    const es = new URL(elasticsearchUrl);
    const relay = new TcpRelay(es.hostname, Number(es.port));
    await relay.resume();
    const ui = await startUi(['--elasticsearch', `http://127.0.0.1:${relay.port}`, '--namespace', namespace]);
    try {
      await checkConsole(ui, 'es');

      const page = await browser.newPage();
      await open(page, ui.url);
      assert.equal(
        await page.$eval('#live-banner', (b) => b.hasAttribute('hidden')),
        true,
        'no banner while ES answers',
      );
      await relay.pause();
      // The open page notices on its next health probe (every 5 s), without a reload.
      await page.waitForFunction("!document.getElementById('live-banner').hasAttribute('hidden')", { timeout: 15_000 });
      assert.match(await page.$eval('#live-banner', (b) => b.textContent ?? ''), /Elasticsearch .* is not answering/);
      // A page loaded during the outage says so instead of failing.
      assert.equal(await open(page, `${ui.url}calls`), 503);
      assert.match(await page.$eval('#live-banner', (b) => b.textContent ?? ''), /not answering/);
      await page.screenshot({ path: join(ARTIFACTS, 'es-outage.png') });
      await relay.resume();
      assert.equal(await open(page, `${ui.url}calls`), 200);
      assert.equal(
        await page.$eval('#live-banner', (b) => b.hasAttribute('hidden')),
        true,
        'banner gone once ES is back',
      );
      await page.close();
    } finally {
      await ui.stop();
      await relay.pause();
    }
  });
});

void test('Elasticsearch: pages past the 10 000-hit window are read with search_after, exactly', async () => {
  await requireElasticsearch();
  const namespace = `consoledeep${Date.now().toString(36)}`;
  const n = 10_050;
  await indexAll(
    namespace,
    Array.from({ length: n }, (_, i) => indexDoc('alert', syntheticAlert(i))),
  );
  const ui = await startUi(['--elasticsearch', elasticsearchUrl, '--namespace', namespace]);
  try {
    const ids = async (query: string): Promise<{ ids: string[]; total: number }> => {
      const html = await (await fetch(`${ui.url}?${query}`)).text();
      return {
        ids: [...html.matchAll(/class="alert-row"\s+data-id="([^"]+)"/g)].map((m) => m[1] ?? ''),
        total: Number(/<b class="total">(\d+)<\/b>/.exec(html)?.[1]),
      };
    };
    const newest = (k: number): string => syntheticAlert(n - 1 - k).event.id;
    const window = await ids('page=200');
    assert.deepEqual(
      window.ids,
      Array.from({ length: 50 }, (_, k) => newest(9950 + k)),
    );
    const deep = await ids('page=201');
    assert.equal(deep.total, n);
    assert.deepEqual(
      deep.ids,
      Array.from({ length: 50 }, (_, k) => newest(10_000 + k)),
      'the oldest 50, newest first',
    );
    const past = await ids('page=202');
    assert.deepEqual(past, { ids: [], total: n });
    const filtered = await ids('signature=SIP-REC-01&size=500&page=4');
    assert.equal(filtered.total, Math.ceil(n / 6));
    assert.equal(filtered.ids.length, Math.ceil(n / 6) - 1500);
  } finally {
    await ui.stop();
  }
});

void describe('sipward ui: bad input is one clear line and exit 2', () => {
  void test('a missing --from directory', () => {
    const r = sipward(['ui', '--from', '/nonexistent/sipward-dir']);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'sipward: --from directory /nonexistent/sipward-dir does not exist (SIPWARD_INPUT_NOT_FOUND)\n',
    );
  });

  void test('a --from directory without alerts.jsonl or calls.jsonl', () => {
    const dir = tempDir('sipward-empty-');
    writeFileSync(join(dir, 'other.txt'), 'x');
    const r = sipward(['ui', '--from', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^sipward: --from .* holds neither alerts\.jsonl nor calls\.jsonl .*\(SIPWARD_USAGE\)\n$/);
  });

  void test('an unreachable Elasticsearch', () => {
    const r = sipward(['ui', '--elasticsearch', 'http://127.0.0.1:9', '--port', '0']);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /^sipward: Elasticsearch at http:\/\/127\.0\.0\.1:9 is unreachable: .*\(SIPWARD_INDEX_UNAVAILABLE\)\n$/,
    );
  });
});
