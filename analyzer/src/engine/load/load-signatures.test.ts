import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSipwardError } from '../../../../lib/src/errors';
import { checkSignatures, loadSignatures, parseDuration } from './load-signatures';
import { tempDir } from '../../../../lib/src/test-support/temp-dir';

const GOOD = `id: SIP-AUTH-01
name: Digest brute force
version: 1
status: stable
fs38_theme: FS38:ACCESS
category: Credential Access
severity: medium
kind: event_count
where:
  sip.type: response
  sip.status_code: [401, 403]
  sip.user_agent: { ci_contains: { list: tools } }
group_by: [destination.ip]
window: 60s
threshold: { gte: 10 }
suppress: 5m
message: "{rule.id} brute force"
`;

const EXPECT = `- fixture: positive/p.jsonl
  alerts: 1
- fixture: negative/n.jsonl
  alerts: 0
`;

/** A rules folder with one signature (its text given) and, optionally, fixtures and lists. */
function folder(files: Record<string, string>): string {
  const root = tempDir('sipward-rules-');
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
  return root;
}

function errorsOf(files: Record<string, string>, requireFixtures = false): string[] {
  return checkSignatures({ noBaseDir: true, extraDirs: [folder(files)], requireFixtures }).errors;
}

const SIG = 'auth/SIP-AUTH-01/signature.yaml';
const LISTS = { 'lists/tools.txt': '# tools\nfriendly-scanner\nsipcli  # comment\n' };

void test('a good signature loads with durations, threshold and lists normalised', () => {
  const root = folder({ [SIG]: GOOD, ...LISTS });
  const [loaded] = loadSignatures({ noBaseDir: true, extraDirs: [root] });
  assert.ok(loaded);
  const s = loaded.signature;
  assert.equal(s.windowMs, 60_000);
  assert.equal(s.suppressMs, 300_000);
  assert.equal(s.threshold, 10);
  assert.deepEqual(s.fs38_theme, ['FS38:ACCESS']);
  assert.deepEqual(s.where?.['sip.user_agent'], { ci_contains: ['friendly-scanner', 'sipcli'] });
  assert.deepEqual(s.event_category, ['intrusion_detection', 'network']);
});

void test('a YAML syntax error names the line where it is noticed and the line that opened it', () => {
  const broken = GOOD.replace('sip.status_code: [401, 403]', 'sip.status_code: [401, 403');
  const [message] = errorsOf({ [SIG]: broken, ...LISTS });
  assert.match(message ?? '', /signature\.yaml:\d+:\d+: \(yaml\): .* \(opened on line 11\)$/);
});

void test('signature.yml is read like signature.yaml; both in one folder, or none in a rules folder, are errors', () => {
  const yml = folder({ 'auth/SIP-AUTH-01/signature.yml': GOOD, ...LISTS });
  assert.deepEqual(
    loadSignatures({ noBaseDir: true, extraDirs: [yml] }).map((s) => s.signature.id),
    ['SIP-AUTH-01'],
  );
  const both = errorsOf({ [SIG]: GOOD, 'auth/SIP-AUTH-01/signature.yml': GOOD, ...LISTS });
  assert.match(both.join('\n'), /both signature\.yaml and signature\.yml in one folder; keep one/);
  const empty = errorsOf({ 'notes.txt': 'nothing here' });
  assert.match(empty.join('\n'), /no signature\.yaml \(or signature\.yml\) in this rules folder/);
});

void test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration('10 s'), undefined);
  assert.equal(parseDuration('0s'), undefined);
});

void test('errors name the file, the line and the field', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['severity: medium', 'severity: urgent', /signature\.yaml:7: severity: must be one of low, medium, high, critical/],
    ['window: 60s', 'window: 60 seconds', /signature\.yaml:14: window: /],
    ['id: SIP-AUTH-01', 'id: SIP-AUTH-02', /signature\.yaml:1: id: must equal its folder name "SIP-AUTH-01"/],
    [
      '  sip.status_code: [401, 403]',
      '  sip.status_code: { regex: "40." }',
      /signature\.yaml:11: where\.sip\.status_code/,
    ],
    [
      '{ list: tools }',
      '{ list: nope }',
      /signature\.yaml:12: where\.sip\.user_agent\.ci_contains: named list "nope" not found/,
    ],
    ['group_by: [destination.ip]', 'group_by: [dst.ip]', /signature\.yaml:13: group_by\.0: unknown field root "dst"/],
    ['kind: event_count', 'kind: event_count\nsurprise: 1', /signature\.yaml:9: surprise: unknown key/],
    ['window: 60s\n', '', /signature\.yaml:1: \(document\): kind event_count needs "window"/],
    [
      '  sip.type: response\n',
      '  sip.type: response\n  source.ip: { cidr: [10.0.0.0/40] }\n',
      /signature\.yaml:11: where\.source\.ip\.cidr: bad CIDR 10\.0\.0\.0\/40/,
    ],
    ['message: "{rule.id} brute force"', 'message: "{rule.id}\n  bad: [', /signature\.yaml:\d+:\d+: \(yaml\)/],
    [
      'group_by: [destination.ip]',
      'group_by: [destination.ip]\nallowlist: { sip.user_agnt: x }',
      /signature\.yaml:\d+: allowlist\.sip\.user_agnt: no field "user_agnt" under sip: nothing produces sip\.user_agnt/,
    ],
    [
      'group_by: [destination.ip]',
      'group_by: [dialog.acount]',
      /signature\.yaml:13: group_by\.0: no field "acount" under dialog/,
    ],
  ];
  for (const [from, to, expected] of cases) {
    const text = GOOD.replace(from, to);
    assert.notEqual(text, GOOD, `case ${from} did not apply`);
    const errors = errorsOf({ [SIG]: text, ...LISTS });
    assert.ok(
      errors.some((e) => expected.test(e)),
      `${expected} not in:\n${errors.join('\n')}`,
    );
  }
});

void test('loadSignatures throws one SIPWARD_RULES_INVALID naming every problem', () => {
  const root = folder({ [SIG]: GOOD.replace('severity: medium', 'severity: urgent'), ...LISTS });
  assert.throws(
    () => loadSignatures({ noBaseDir: true, extraDirs: [root] }),
    (e: unknown) =>
      isSipwardError(e) && e.code === 'SIPWARD_RULES_INVALID' && /SIP-AUTH-01\/signature\.yaml:7/.test(e.message),
  );
});

void test('duplicate ids in one folder are rejected; a later folder overrides by id', () => {
  const errors = errorsOf({ [SIG]: GOOD, 'other/SIP-AUTH-01/signature.yaml': GOOD, ...LISTS });
  assert.ok(
    errors.some((e) => /duplicate id SIP-AUTH-01/.test(e)),
    errors.join('\n'),
  );
  const base = folder({ [SIG]: GOOD, ...LISTS });
  const extra = folder({ [SIG]: GOOD.replace('severity: medium', 'severity: high'), ...LISTS });
  const loaded = loadSignatures({ baseDir: base, extraDirs: [extra] });
  assert.equal(loaded.length, 1);
  assert.equal(loaded[0]?.signature.severity, 'high');
});

void test('fixtures: expect.yaml must exist with a positive and a negative when required', () => {
  assert.ok(errorsOf({ [SIG]: GOOD, ...LISTS }, true).some((e) => /missing expect\.yaml/.test(e)));
  const onlyPositive = errorsOf(
    {
      [SIG]: GOOD,
      ...LISTS,
      'auth/SIP-AUTH-01/expect.yaml': '- fixture: positive/p.jsonl\n  alerts: 1\n',
      'auth/SIP-AUTH-01/positive/p.jsonl': '',
    },
    true,
  );
  assert.ok(
    onlyPositive.some((e) => /needs ≥1 negative fixture/.test(e)),
    onlyPositive.join('\n'),
  );
  const missingFile = errorsOf({ [SIG]: GOOD, ...LISTS, 'auth/SIP-AUTH-01/expect.yaml': EXPECT }, true);
  assert.ok(
    missingFile.some((e) => /expect\.yaml:1: 0\.fixture: fixture file not found/.test(e)),
    missingFile.join('\n'),
  );
  const complete = errorsOf(
    {
      [SIG]: GOOD,
      ...LISTS,
      'auth/SIP-AUTH-01/expect.yaml': EXPECT,
      'auth/SIP-AUTH-01/positive/p.jsonl': '',
      'auth/SIP-AUTH-01/negative/n.jsonl': '',
    },
    true,
  );
  assert.deepEqual(complete, []);
});
