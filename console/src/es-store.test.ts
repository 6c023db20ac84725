// The Elasticsearch store's queries (the store itself meets the real node in test/integration/console-ui.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertFilter, callFilter } from './es-store';

void test('alert filters become term/range filters on the mapped fields', () => {
  assert.deepEqual(
    alertFilter({
      severity: 73,
      signature: 'SIP-AUTH-01',
      source: '10.0.0.1',
      from: '2026-01-01T00:00:00.000Z',
      page: 1,
      pageSize: 50,
    }),
    {
      bool: {
        filter: [
          { range: { '@timestamp': { gte: '2026-01-01T00:00:00.000Z' } } },
          { term: { 'event.severity': 73 } },
          { term: { 'rule.id': 'SIP-AUTH-01' } },
          { term: { 'source.ip': '10.0.0.1' } },
        ],
      },
    },
  );
  assert.deepEqual(alertFilter({ source: 'x', page: 1, pageSize: 50 }), { bool: { filter: [{ match_none: {} }] } });
});

void test('call filters: account on From or digest user, duration range, not-answered as must_not', () => {
  assert.deepEqual(callFilter({ account: 'alice', minDurationS: 5, answered: false }), {
    bool: {
      filter: [
        {
          bool: {
            should: [{ term: { 'caller.user': 'alice' } }, { term: { 'caller.auth_user': 'alice' } }],
            minimum_should_match: 1,
          },
        },
        { range: { duration_s: { gte: 5 } } },
      ],
      must_not: [{ term: { outcome: 'answered' } }],
    },
  });
});
