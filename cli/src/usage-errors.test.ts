// The CLI as a person uses it (issue 17 §5): exit codes and one-line messages for usage errors,
// clear words for a directory or a truncated capture, readable logs on a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../lib/src/test-support/run-sipward';
import { repoRoot } from '../../lib/src/repo-root';

// Compiled to dist/cli/src/: the repository root is three levels up.
const ROOT = repoRoot();
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
const CAPTURE = join(ROOT, 'test', 'fixtures', 'captures', 'tcp-split.pcap');

function sipward(args: string[], env: NodeJS.ProcessEnv = {}): SipwardRun {
  // No inherited broker: `analyzer` must not find one in the environment.
  return runSipward(args, { timeoutMs: 30_000, env: { SIPWARD_KAFKA: '', ...env } });
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0] ?? '';
}

void test('an unknown option exits 2 with one line naming it, at the top level and in a sub-command', () => {
  for (const args of [['--bogus'], ['analyze', '--bogus', CAPTURE], ['analyzer', '--bogus']]) {
    const r = sipward(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), /^sipward: error: unknown option '--bogus'/);
  }
});

void test('analyzer --keyed-partitions x exits 2 naming the option', () => {
  for (const option of ['--keyed-partitions', '--stats-interval']) {
    const r = sipward(['analyzer', '--kafka', '127.0.0.1:1', option, 'x']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(oneLine(r.stderr), new RegExp(`^sipward: error: option '${option} <\\w+>' argument 'x' is invalid`));
  }
});

void test('analyzer --stage-threads: 1 or 2, and 2 only with both stages', () => {
  const bad = sipward(['analyzer', '--kafka', '127.0.0.1:1', '--stage-threads', '3']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(oneLine(bad.stderr), /^sipward: error: option '--stage-threads <n>' argument '3' is invalid/);
  const one = sipward(['analyzer', '--kafka', '127.0.0.1:1', '--stage', 'detect', '--stage-threads', '2']);
  assert.equal(one.status, 2, one.stderr);
  assert.equal(
    oneLine(one.stderr),
    'sipward: --stage detect runs one stage: --stage-threads 2 needs --stage both (SIPWARD_USAGE)',
  );
});

void test('analyzer without --kafka names analyzer, not collect', () => {
  const r = sipward(['analyzer']);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(oneLine(r.stderr), 'sipward: analyzer needs --kafka host:port (or SIPWARD_KAFKA) (SIPWARD_USAGE)');
});

void test('a directory given as a capture is called a directory', () => {
  const dir = tempDir();
  for (const command of ['decode', 'analyze']) {
    const r = sipward([command, dir]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(oneLine(r.stderr), `sipward: ${dir}: is a directory, not a capture file (SIPWARD_INPUT_UNREADABLE)`);
  }
});

void test("a truncated capture's warning names the file", () => {
  const dir = tempDir();
  const whole = join(dir, 'whole.pcap');
  const cut = join(dir, 'cut.pcap');
  copyFileSync(CAPTURE, whole);
  writeFileSync(cut, readFileSync(CAPTURE).subarray(0, 3000));
  const r = sipward(['decode', '--log-format', 'json', whole, cut]);
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; code?: string; file?: string; msg: string })
    .filter((record) => record.level === 40);
  assert.equal(warnings.length, 1, r.stderr);
  assert.equal(warnings[0]?.code, 'truncated_record');
  assert.equal(warnings[0]?.file, cut);
  assert.ok(warnings[0]?.msg.startsWith(`${cut}: `), warnings[0]?.msg);
});

void test('logs are JSON when piped and with --log-format json, readable lines with --log-format pretty', () => {
  const piped = sipward(['decode', CAPTURE]);
  assert.equal(piped.status, 0, piped.stderr);
  const record = JSON.parse(oneLine(piped.stderr)) as { msg: string };
  assert.equal(record.msg, 'decode finished');
  const pretty = sipward(['--log-format', 'pretty', 'decode', CAPTURE]);
  assert.equal(pretty.status, 0, pretty.stderr);
  assert.match(oneLine(pretty.stderr), /^\d\d:\d\d:\d\d\.\d{3} INFO {2}sipward-decode: decode finished summary=\{/);
});

// util-linux `script` runs the command on a real pseudo-terminal, as a person's shell would.
void test('on a terminal, logs are readable lines without asking; --log-format json still wins', (t) => {
  if (!existsSync('/usr/bin/script')) return t.skip('util-linux script(1) is not installed');
  const onTty = (args: string): string => {
    const r = spawnSync(
      '/usr/bin/script',
      ['-qec', `${process.execPath} ${SIPWARD} ${args} 2>&1 >/dev/null`, '/dev/null'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return r.stdout.replace(/\r/g, '');
  };
  assert.match(oneLine(onTty(`decode ${CAPTURE}`)), /^\d\d:\d\d:\d\d\.\d{3} INFO {2}sipward-decode: decode finished /);
  const json = JSON.parse(oneLine(onTty(`--log-format json decode ${CAPTURE}`))) as { msg: string };
  assert.equal(json.msg, 'decode finished');
});
