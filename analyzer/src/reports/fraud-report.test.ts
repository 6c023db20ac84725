import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRecord } from '../../../schema/src/call-record';
import { HighRiskList } from '../calls/numbers';
import {
  FraudReportBuilder,
  fraudReportCsv,
  fraudReportTable,
  parseRateTable,
  peakConcurrency,
  type FraudReport,
  type FraudReportOptions,
} from './fraud-report';

function buildFraudReport(calls: Iterable<CallRecord>, options: FraudReportOptions = {}): FraudReport {
  const builder = new FraudReportBuilder(options);
  for (const call of calls) builder.add(call);
  return builder.build();
}

let n = 0;
function call(opts: {
  start: string;
  seconds: number;
  answered?: boolean;
  user?: string;
  auth?: string;
  ip?: string;
  e164?: string;
  country?: string;
  type?: string;
  alerts?: string[];
}): CallRecord {
  n++;
  const startMs = Date.parse(opts.start);
  const answered = opts.answered ?? opts.seconds > 0;
  return {
    '@timestamp': opts.start,
    event: { kind: 'event', dataset: 'sipward.call', id: `c${n}` },
    call_id: `call-${n}`,
    start: opts.start,
    ...(answered ? { answer: opts.start } : {}),
    end: new Date(startMs + opts.seconds * 1000).toISOString(),
    duration_s: answered ? opts.seconds : 0,
    outcome: answered ? 'answered' : 'busy',
    caller: {
      ip: opts.ip ?? '198.51.100.51',
      port: 5060,
      ...(opts.user !== undefined ? { user: opts.user } : {}),
      ...(opts.auth !== undefined ? { auth_user: opts.auth } : {}),
    },
    callee: {
      ...(opts.e164 !== undefined ? { e164: opts.e164 } : {}),
      ...(opts.country !== undefined ? { country: opts.country } : {}),
      ...(opts.type !== undefined ? { number_type: opts.type } : {}),
    },
    path: [],
    media: {},
    alert_ids: opts.alerts ?? [],
  };
}

// Known totals: account 101 makes 3 calls to +881 (60 s, 120 s overlapping; 30 s later) and one busy
// call to GB; account 102 one 600 s call to +882 via another trunk.
const calls: CallRecord[] = [
  call({
    start: '2026-01-01T10:00:00Z',
    seconds: 60,
    user: '101',
    e164: '881612345678',
    type: 'SATELLITE',
    alerts: ['a1'],
  }),
  call({
    start: '2026-01-01T10:00:30Z',
    seconds: 120,
    user: '101',
    e164: '881612345679',
    type: 'SATELLITE',
    alerts: ['a1', 'a2'],
  }),
  call({ start: '2026-01-01T10:05:00Z', seconds: 30, user: 'x', auth: '101', e164: '881612345670', type: 'SATELLITE' }),
  call({
    start: '2026-01-01T10:06:00Z',
    seconds: 0,
    user: '101',
    e164: '442079460000',
    country: 'GB',
    type: 'FIXED_LINE',
  }),
  call({
    start: '2026-01-01T11:00:00Z',
    seconds: 600,
    user: '102',
    ip: '203.0.113.9',
    e164: '882345670012',
    type: 'INTERNATIONAL_NETWORK',
  }),
];
const rates = parseRateTable('# test rates\n881,2.00\n8823,1.50\n+44,0.10\n', 'rates.csv');
const highRisk = new HighRiskList([
  { prefix: '881', category: 'satellite', note: '' },
  { prefix: '882', category: 'international_network', note: '' },
]);

void test('fraud report: per account, destination and trunk against known totals', () => {
  const r = buildFraudReport(calls, { rates, highRisk });
  assert.deepEqual(
    { calls: r.totals.calls, answered: r.totals.answered, minutes: r.totals.minutes, cost: r.totals.cost },
    { calls: 5, answered: 4, minutes: 13.5, cost: 22 }, // 3.5 min × 2.00 + 10 min × 1.50
  );
  assert.deepEqual(
    r.by_account.map((row) => [
      row.key,
      row.calls,
      row.answered,
      row.minutes,
      row.cost,
      row.peak_concurrency,
      row.alerts,
    ]),
    [
      ['102', 1, 1, 10, 15, 1, 0],
      ['101', 4, 3, 3.5, 7, 2, 2],
    ],
    'ranked by cost; the digest user wins over the From user',
  );
  assert.deepEqual(
    r.by_destination.map((row) => [row.key, row.calls, row.minutes, row.high_risk]),
    [
      ['INTERNATIONAL_NETWORK', 1, 10, 'international_network'],
      ['SATELLITE', 3, 3.5, 'satellite'],
      ['GB FIXED_LINE', 1, 0, undefined],
    ],
  );
  assert.deepEqual(
    r.by_trunk.map((row) => [row.key, row.calls]),
    [
      ['203.0.113.9', 1],
      ['198.51.100.51', 4],
    ],
  );
  const acc101 = r.by_account[1];
  assert.equal(acc101?.first_call, '2026-01-01T10:00:00Z');
  assert.equal(acc101?.last_call, '2026-01-01T10:06:00Z');
  assert.deepEqual(acc101?.alert_ids, ['a1', 'a2']);
});

void test('fraud report: --from/--to select by call start; without rates there is no cost', () => {
  const r = buildFraudReport(calls, { from: '2026-01-01T10:01:00Z', to: '2026-01-01T11:00:00Z' });
  assert.equal(r.totals.calls, 2);
  assert.equal(r.totals.cost, undefined);
  assert.equal(r.by_account[0]?.cost, undefined);
});

void test('peak concurrency: back-to-back calls do not overlap', () => {
  assert.equal(
    peakConcurrency([
      [0, 10],
      [10, 20],
      [5, 15],
    ]),
    2,
  );
  assert.equal(peakConcurrency([]), 0);
});

void test('CSV: one row per key and a total row, quoted where needed; the table ends each section with totals', () => {
  const r = buildFraudReport([...calls, call({ start: '2026-01-01T12:00:00Z', seconds: 5, user: 'a,"b"' })], { rates });
  const csv = fraudReportCsv(r).trimEnd().split('\r\n');
  assert.equal(
    csv[0],
    'section,key,calls,answered,minutes,cost,peak_concurrency,first_call,last_call,alerts,high_risk,alert_ids',
  );
  assert.ok(csv.some((l) => l.startsWith('account,"a,""b""",1,1,')));
  assert.equal(csv.at(-1)?.split(',').slice(0, 4).join(','), 'total,total,6,5');
  assert.equal(csv.length, 1 + 3 + 4 + 2 + 1);
  const table = fraudReportTable(r);
  assert.match(table, /by account[\s\S]*total\s+6\s+5/);
});

void test('rate table errors name file and line', () => {
  assert.throws(() => parseRateTable('881,abc\n', 'r.csv'), /r\.csv:1: rate "abc"/);
  assert.throws(() => parseRateTable('\n44x,1\n', 'r.csv'), /r\.csv:2: prefix "44x"/);
});
