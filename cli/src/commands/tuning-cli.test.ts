// Site tuning end to end through the CLI, on the bundled demo capture (one attacker, 10.77.0.66):
// a suppress entry silences it, a scoped override changes only its scope, and `rules effective`
// prints what each signature runs with; a typo in the tuning is an error with its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../../lib/src/test-support/run-sipward';
import { repoRoot } from '../../../lib/src/repo-root';

const ROOT = repoRoot();
const CAPTURE = 'samples/demo-attacks.pcap';
const SITE = readFileSync(join(ROOT, 'scripts', 'testbed.d', 'site.yaml'), 'utf8');

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 120_000 });
}

function config(tuning: string): string {
  const file = join(tempDir(), 'site.yaml');
  writeFileSync(file, SITE + tuning);
  return file;
}

function ruleIds(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { rule: { id: string } }).rule.id)
    .sort();
}

void test('suppress: the attacker suppressed raises nothing; an expired entry suppresses nothing', () => {
  const plain = sipward(['analyze', CAPTURE, '--format', 'jsonl', '--config', config('')]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.ok(ruleIds(plain.stdout).length >= 5);
  const quiet = sipward([
    'analyze',
    CAPTURE,
    '--format',
    'jsonl',
    '--config',
    config('suppress:\n  - source: 10.77.0.66\n    reason: lab attacker\n    expires: 2099-01-01\n'),
  ]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.deepEqual(ruleIds(quiet.stdout), []);
  const expired = sipward([
    'analyze',
    CAPTURE,
    '--format',
    'jsonl',
    '--config',
    config('suppress:\n  - source: 10.77.0.66\n    reason: old\n    expires: 2001-01-01\n'),
  ]);
  assert.deepEqual(ruleIds(expired.stdout), ruleIds(plain.stdout));
  assert.match(expired.stderr, /has expired and is not applied/);
});

void test('tuning: disable and a scoped threshold change only what they name', () => {
  const base = ruleIds(sipward(['analyze', CAPTURE, '--format', 'jsonl', '--config', config('')]).stdout);
  assert.ok(base.includes('SIP-DOS-01') && base.includes('SIP-REC-01'));
  const tuned = sipward([
    'analyze',
    CAPTURE,
    '--format',
    'jsonl',
    '--config',
    config(
      'tuning:\n  - signature: SIP-REC-01\n    disable: true\n' +
        '  - signature: SIP-DOS-01\n    scope: { cidrs: [10.77.0.66/32] }\n    set: { threshold: 100000 }\n' +
        '  - signature: SIP-AUTH-01\n    scope: { cidrs: [192.0.2.0/24] }\n    set: { threshold: 100000 }\n',
    ),
  ]);
  assert.equal(tuned.status, 0, tuned.stderr);
  const ids = ruleIds(tuned.stdout);
  assert.ok(!ids.includes('SIP-REC-01'), 'disabled');
  assert.ok(!ids.includes('SIP-DOS-01'), 'the attacker is in the raised scope');
  assert.ok(ids.includes('SIP-AUTH-01'), 'the AUTH-01 override names another network: unchanged');
});

void test('rules effective prints per-scope parameters and their origin; bad tuning names its line', () => {
  const file = config(
    'tuning:\n  - signature: SIP-DOS-03\n    scope: { peers: [carrier-a] }\n    set: { threshold: 500 }\n',
  );
  const r = sipward(['rules', 'effective', '--config', file, '--json', 'SIP-DOS-03', 'SIP-FRD-03']);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; scope: string; parameters: { threshold?: number }; origin: string[] });
  const line = SITE.split('\n').length + 1;
  assert.deepEqual(
    rows.map((x) => [x.id, x.scope, x.parameters.threshold, x.origin.at(-1)]),
    [
      ['SIP-DOS-03', 'peers=carrier-a', 500, `${file}:${line}`],
      ['SIP-DOS-03', 'rest', 48, 'signature'],
      ['SIP-FRD-03', 'account_groups=pbx-trunk', 41, 'site: account_groups[pbx-trunk].expected.concurrent_calls=40'],
      ['SIP-FRD-03', 'rest', 5, 'signature'],
    ],
  );
  const typo = sipward([
    'rules',
    'effective',
    '--config',
    config('tuning:\n  - signature: SIP-DOS-3\n    set: { treshold: 5 }\n'),
  ]);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, new RegExp(`site\\.yaml:${line}: tuning\\.signature: unknown signature id SIP-DOS-3`));
});
