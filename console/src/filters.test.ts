// Query strings → queries: bad values are dropped, good ones survive a round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertQueryParams, callMatches, parseAlertQuery, parseCallQuery } from './filters';
import { syntheticCall } from './test-support/synthetic';
import { fraudCsv, fraudReport } from './fraud';

void test('alert filters: unknown severity, bad page and bad dates are ignored; dates read as UTC', () => {
  const q = parseAlertQuery(
    new URLSearchParams('severity=50&page=-3&from=yesterday&to=2026-11-28T18:10&signature=%20SIP-AUTH-01%20'),
  );
  assert.deepEqual(q, { to: '2026-11-28T18:10:00.000Z', signature: 'SIP-AUTH-01', page: 1, pageSize: 50 });
  const again = parseAlertQuery(alertQueryParams({ ...q, severity: 73, account: 'alice' }));
  assert.deepEqual(again, { ...q, severity: 73, account: 'alice' });
});

void test('call filters: answered, duration bounds, account by From user or digest user', () => {
  const q = parseCallQuery(new URLSearchParams('answered=yes&min_duration=30&account=user0&max_duration=x'));
  assert.deepEqual(q, { answered: true, minDurationS: 30, account: 'user0', page: 1, pageSize: 50 });
  assert.equal(callMatches(syntheticCall(0), q), true);
  assert.equal(callMatches(syntheticCall(1), q), false, 'not answered');
  const auth = { ...syntheticCall(0), caller: { ...syntheticCall(0).caller, user: 'x', auth_user: 'user0' } };
  assert.equal(callMatches(auth, q), true);
});

void test('fraud report per account and destination, CSV quoted and safe for spreadsheets', () => {
  const calls = [0, 1, 2, 3].map(syntheticCall);
  calls.push({ ...syntheticCall(6), caller: { ...syntheticCall(6).caller, user: '=HYPERLINK("x")' } });
  const report = fraudReport(calls);
  assert.deepEqual(report.totals, { calls: 5, answered: 3, minutes: 3 });
  assert.deepEqual(
    report.byDestination.map((r) => [r.key, r.calls, r.answered]),
    [
      ['GB', 3, 2],
      ['CU', 2, 1],
    ],
  );
  const csv = fraudCsv(report, 'account');
  assert.match(csv, /^account,calls,answered,minutes,destinations,alerts\r\n/);
  assert.match(csv, /\r\n"'=HYPERLINK\(""x""\)",1,1,1,1,0\r\n/);
});
