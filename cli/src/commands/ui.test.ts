// `sipward ui` and `sipward kibana` usage errors: one line on stderr, exit 2, before serving anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../../lib/src/test-support/run-sipward';
import { repoRoot } from '../../../lib/src/repo-root';

const ROOT = repoRoot();

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 60_000 });
}

void test('ui refuses a public bind without a token, two sources, a bad port and an empty token file', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'alerts.jsonl'), '');
  const emptyToken = join(dir, 'token');
  writeFileSync(emptyToken, '\n');
  const cases: Array<[string[], RegExp]> = [
    [['--from', dir, '--host', '0.0.0.0'], /--host 0\.0\.0\.0 is not loopback: give --auth-token-file too/],
    [['--from', dir, '--elasticsearch', 'http://127.0.0.1:9200'], /give --from DIR or --elasticsearch URL, not both/],
    [['--from', dir, '--port', '70000'], /--port 70000 is not a TCP port/],
    [['--from', dir, '--auth-token-file', emptyToken], /console token file .* is empty/],
    [['--elasticsearch', 'http://127.0.0.1:9200', '--namespace', 'Bad-NS'], /namespace "Bad-NS" may only hold/],
  ];
  for (const [args, message] of cases) {
    const r = sipward(['ui', ...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

void test('kibana export prints the committed saved objects; import needs a reachable Kibana', () => {
  const r = sipward(['kibana', 'export']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(ROOT, 'kibana', 'sipward.ndjson'), 'utf8'));
  const bad = sipward(['kibana', 'import', '--kibana', 'not-a-url']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^sipward: --kibana not-a-url is not a URL \(SIPWARD_USAGE\)\n$/);
});
