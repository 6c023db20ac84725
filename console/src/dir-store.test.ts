// The directory store: missing files, unreadable lines, re-written incidents, paging and filters
// on 100k generated alerts (checked against an independent count, not timed: `npm run bench -- --only console` times it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryStore } from './dir-store';
import { syntheticAlert, syntheticCall, writeSyntheticDir } from './test-support/synthetic';
import { tempDir } from '../../lib/src/test-support/temp-dir';

function dir(): string {
  return tempDir('sipward-dir-store-');
}

void test('100k alerts: every page in order, filters and counts per signature exact', async () => {
  const d = dir();
  const n = 100_000;
  await writeSyntheticDir(d, n);
  const store = await DirectoryStore.open(d);
  const first = await store.alerts({ page: 1, pageSize: 50 });
  assert.equal(first.total, n);
  assert.equal(first.items[0]?.event.id, syntheticAlert(n - 1).event.id, 'newest first');
  const last = await store.alerts({ page: 2000, pageSize: 50 });
  assert.deepEqual(
    last.items.map((a) => a.event.id),
    Array.from({ length: 50 }, (_, k) => syntheticAlert(49 - k).event.id),
  );
  assert.equal((await store.alerts({ page: 2001, pageSize: 50 })).items.length, 0);
  // Rule i % 6 and account i % 200: SIP-AUTH-01 is i ≡ 2 (mod 6); user2 is i ≡ 2 (mod 200).
  const auth = await store.alerts({ signature: 'SIP-AUTH-01', account: 'user2', page: 1, pageSize: 500 });
  let expected = 0;
  for (let i = 0; i < n; i++) if (i % 6 === 2 && i % 200 === 2) expected++;
  assert.equal(auth.total, expected);
  assert.ok(auth.items.every((a) => a.rule.id === 'SIP-AUTH-01' && a.user?.name === 'user2'));
  const counts = await store.alertCountsBySignature();
  assert.equal(counts.find((c) => c.key === 'SIP-REC-01')?.count, Math.ceil(n / 6));
  const from = new Date(Date.parse('2026-11-01T00:00:00Z') + 99_000 * 7_000).toISOString();
  assert.equal((await store.alerts({ from, page: 1, pageSize: 50 })).total, 1000);
});

void test('a directory with only calls.jsonl is accepted; unreadable lines are counted, not fatal', async () => {
  const d = dir();
  writeFileSync(
    join(d, 'calls.jsonl'),
    [JSON.stringify(syntheticCall(1)), 'not json', '{"half": true}', JSON.stringify(syntheticCall(2)), ''].join('\n'),
  );
  const store = await DirectoryStore.open(d);
  assert.equal((await store.alerts({ page: 1, pageSize: 50 })).total, 0);
  assert.equal((await store.calls({ page: 1, pageSize: 50 })).total, 2);
  assert.deepEqual(store.notices, ['2 line(s) of calls.jsonl were not readable records and are not shown']);
});

void test('an incident written twice (growing count) shows once, in its last state', async () => {
  const d = dir();
  const early = syntheticAlert(7);
  const late = { ...early, sipward: { ...early.sipward, count: 99 } };
  writeFileSync(join(d, 'alerts.jsonl'), `${JSON.stringify(early)}\n${JSON.stringify(late)}\n`);
  const store = await DirectoryStore.open(d);
  const page = await store.alerts({ page: 1, pageSize: 50 });
  assert.equal(page.total, 1);
  assert.equal(page.items[0]?.sipward.count, 99);
});

void test('alerts and calls link by alert_ids and by Call-ID; the fraud report totals the range', async () => {
  const d = dir();
  const alert = syntheticAlert(3); // sip.call_id call-3
  const byId = { ...syntheticCall(9), alert_ids: [alert.event.id] };
  writeFileSync(join(d, 'alerts.jsonl'), JSON.stringify(alert) + '\n');
  writeFileSync(
    join(d, 'calls.jsonl'),
    [syntheticCall(3), byId, syntheticCall(4)].map((c) => JSON.stringify(c)).join('\n'),
  );
  const store = await DirectoryStore.open(d);
  const linked = await store.callsOfAlert(alert);
  assert.deepEqual(linked.map((c) => c.call_id).sort(), ['call-3', 'call-9']);
  const back = await store.alertsOfCall(syntheticCall(3));
  assert.deepEqual(
    back.map((a) => a.event.id),
    [alert.event.id],
  );
  const report = await store.fraud({});
  assert.deepEqual(report.totals, { calls: 3, answered: 2, minutes: 2 });
});

void test('a missing directory, a file, and a directory without alert or call files are refused', async () => {
  await assert.rejects(DirectoryStore.open('/nonexistent/x'), { code: 'SIPWARD_INPUT_NOT_FOUND' });
  const d = dir();
  writeFileSync(join(d, 'f'), '');
  await assert.rejects(DirectoryStore.open(join(d, 'f')), { code: 'SIPWARD_USAGE', message: /is not a directory/ });
  await assert.rejects(DirectoryStore.open(d), {
    code: 'SIPWARD_USAGE',
    message: /holds neither alerts\.jsonl nor calls\.jsonl/,
  });
});
