import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertField, runSignatureFixtures, valueMatches } from './run-fixtures';
import { register, responseTo, signature } from '../test-events';
import type { LoadedSignature } from '../signature';
import { tempDir } from '../../../../lib/src/test-support/temp-dir';

void test('alertField reads dotted paths, including keys that contain dots', () => {
  const alert = { user: { name: '1001' }, sipward: { group: { 'sip.to.user': '1001' } }, related: { ip: ['a', 'b'] } };
  assert.equal(alertField(alert, 'user.name'), '1001');
  assert.equal(alertField(alert, 'sipward.group.sip.to.user'), '1001');
  assert.deepEqual(alertField(alert, 'related.ip'), ['a', 'b']);
  assert.equal(alertField(alert, 'nope.x'), undefined);
});

void test('valueMatches compares scalars as text and finds scalars in arrays', () => {
  assert.ok(valueMatches('1001', 1001));
  assert.ok(valueMatches(['a', 'b'], 'b'));
  assert.ok(valueMatches(['a', 'b'], ['a', 'b']));
  assert.ok(!valueMatches(['a', 'b'], ['b', 'a']));
  assert.ok(!valueMatches(undefined, 'x'));
});

void test('fixtures pass and fail with the reason; a signature without fixtures fails', () => {
  const dir = tempDir('sipward-fixture-');
  mkdirSync(join(dir, 'positive'));
  mkdirSync(join(dir, 'negative'));
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) {
    const req = register(i, { callId: `f${i}`, seq: 1, auth: true });
    lines.push(JSON.stringify(req), JSON.stringify(responseTo(req, i + 0.1, 401)));
  }
  writeFileSync(join(dir, 'positive', 'three.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'negative', 'one.jsonl'), `${lines.slice(0, 2).join('\n')}\n`);
  const loaded: LoadedSignature = {
    signature: signature({
      kind: 'event_count',
      where: { 'sip.type': 'response', 'sip.status_code': 401 },
      group_by: ['destination.ip'],
      windowMs: 60_000,
      threshold: 3,
    }),
    file: join(dir, 'signature.yaml'),
    dir,
    expect: [
      { fixture: 'positive/three.jsonl', alerts: 1, match: { 'source.ip': '203.0.113.7', 'user.name': 1001 } },
      { fixture: 'negative/one.jsonl', alerts: 0 },
      { fixture: 'positive/three.jsonl', alerts: 1, match: { 'user.name': '1002' } },
      { fixture: 'negative/one.jsonl', alerts: 1 },
    ],
  };
  const results = runSignatureFixtures([loaded]);
  assert.deepEqual(
    results.map((r) => r.pass),
    [true, true, false, false],
  );
  assert.deepEqual(results[2]?.problems, ['user.name: expected "1002", got "1001"']);
  assert.deepEqual(results[3]?.problems, ['expected 1 alert(s), got 0']);
  const bare = runSignatureFixtures([{ ...loaded, expect: [] }]);
  assert.equal(bare[0]?.pass, false);
  assert.equal(runSignatureFixtures([loaded], ['SIP-OTHER-01']).length, 0);
});
