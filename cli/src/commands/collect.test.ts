// `sipward collect` as a user runs it, without a broker: usage errors, env fallbacks, giving up on
// an unreachable broker, and a clean SIGTERM shutdown. The real-broker runs are in
// test/integration/collect.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { collectArgv } from '../test-support/collect-argv';
import { repoRoot } from '../../../lib/src/repo-root';

const ROOT = repoRoot();
const CAPTURE = 'test/fixtures/captures/udp.pcap';
/** Nothing listens on port 1: connections are refused at once. */
const NO_BROKER = '127.0.0.1:1';

/** The test's environment without the collector's own variables (a developer may have them set). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['SIPWARD_KAFKA', 'SIPWARD_INTERFACE']) if (!(name in extra)) delete out[name];
  return out;
}

function collect(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, collectArgv(args), {
    cwd: ROOT,
    env: env(extraEnv),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

void test('collect --help lists the Kafka, queue, security and shutdown options with their env fallbacks', () => {
  const r = collect(['--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const flag of [
    '--file',
    '--interface',
    '--bpf',
    '--kafka',
    '--topic',
    '--observer-id',
    '--partitions',
    '--replication-factor',
    '--queue-max',
    '--batch-max',
    '--linger-ms',
    '--compression',
    '--sasl-mechanism',
    '--sasl-username',
    '--sasl-password-file',
    '--tls',
    '--tls-ca',
    '--tls-insecure',
    '--drain-timeout',
    '--give-up-after',
  ])
    assert.match(r.stdout, new RegExp(`${flag}\\b`), flag);
  assert.match(r.stdout, /env: SIPWARD_KAFKA/);
  assert.match(r.stdout, /env: SIPWARD_INTERFACE/);
  assert.match(r.stdout, /default: "sip\.events"/);
});

void test('usage errors: one line on stderr, exit 2, nothing sent', () => {
  const dir = tempDir();
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'secret\n');
  for (const [args, code, message] of [
    [['--file', CAPTURE], 'SIPWARD_USAGE', /--kafka/],
    [['--kafka', NO_BROKER], 'SIPWARD_USAGE', /capture files, --interface or --hep/],
    [
      ['--kafka', NO_BROKER, '--file', CAPTURE, '--interface', 'lo'],
      'SIPWARD_USAGE',
      /one of capture files, --interface, --hep/,
    ],
    [['--kafka', 'nohostport', '--file', CAPTURE], 'SIPWARD_USAGE', /host:port/],
    [
      ['--kafka', NO_BROKER, '--file', CAPTURE, '--sasl-username', 'u', '--sasl-password-file', pw],
      'SIPWARD_USAGE',
      /SASL/,
    ],
    [['--kafka', NO_BROKER, '--file', join(dir, 'missing.pcap')], 'SIPWARD_INPUT_NOT_FOUND', /missing\.pcap/],
  ] as const) {
    const r = collect([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const line = lastLine(r.stderr);
    assert.match(line, new RegExp(`^sipward: .*\\(${code}\\)$`), args.join(' '));
    assert.match(line, message);
    assert.doesNotMatch(r.stderr, /kafka unavailable/, 'no broker traffic for bad input');
  }
  const bad = collect(['--kafka', NO_BROKER, '--file', CAPTURE, '--compression', 'zstd']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /compression/);
});

void test('--hep wins over SIPWARD_INTERFACE from the environment (the deployment default)', () => {
  // Without the rule this is a usage error (two inputs); with it, the HEP listener runs and the
  // unreachable broker is what ends it.
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const r = collect(['--hep', `127.0.0.1:${port}`, '--give-up-after', '1'], {
    SIPWARD_KAFKA: NO_BROKER,
    SIPWARD_INTERFACE: 'no-such-if0',
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(lastLine(r.stderr), /\(SIPWARD_BROKER_UNAVAILABLE\)$/);
});

void test('a broker that never answers: --give-up-after exits 2 with BROKER_UNAVAILABLE (SIPWARD_KAFKA from env)', () => {
  const started = Date.now();
  // SIPWARD_INTERFACE names no real interface: explicit files win over it.
  const r = collect(['--file', CAPTURE, '--give-up-after', '1'], {
    SIPWARD_KAFKA: NO_BROKER,
    SIPWARD_INTERFACE: 'no-such-if0',
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    lastLine(r.stderr),
    /^sipward: broker unreachable at 127\.0\.0\.1:1 after \d+ s \(SIPWARD_BROKER_UNAVAILABLE\)$/,
  );
  assert.match(r.stderr, /kafka unavailable: events are queued/);
  assert.ok(Date.now() - started < 30_000);
});

void test('SIGTERM during an outage: stops, drains for --drain-timeout, exits 0 with a summary', async () => {
  const child = spawn(
    process.execPath,
    collectArgv(['--file', CAPTURE, '--kafka', NO_BROKER, '--drain-timeout', '0.5']),
    { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + 30_000;
  while (!stderr.includes('kafka unavailable') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(stderr, /kafka unavailable/);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0, stderr);
  const summary = stderr
    .split('\n')
    .filter((l) => l.includes('"collect finished"'))
    .map((l) => JSON.parse(l) as { published: number; dropped: Record<string, number>; retries: number })[0];
  assert.ok(summary !== undefined, stderr);
  assert.equal(summary.published, 0);
  assert.equal(summary.dropped.shutdown, 34, 'every queued event is accounted for');
  assert.ok(summary.retries > 0);
});
