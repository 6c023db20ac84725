// tshark as an independent oracle for `sipward decode`: for every capture in
// test/fixtures/captures, the SIP messages sipward reports must agree with Wireshark's dissection
// on method/status, Call-ID, CSeq, From/To tags and the (innermost) source/destination address
// and port. Compared as multisets: over TCP and IP fragments the order of events may differ.
//
// Three sources per capture: tshark run now (scripts/tshark-oracle), the committed
// <capture>.tshark.jsonl (so a tshark upgrade that changes the dissection shows up as a diff, not
// as a silent change of the oracle), and `node bin/sipward.js decode <capture>`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compare, count, describe, multiset, parseJsonl, type Json } from './compare';
import { repoRoot } from '../../lib/src/repo-root';

// Compiled to dist/test/oracle/: the repository root is three levels up.
const ROOT = repoRoot();
const CAPTURES = join(ROOT, 'test', 'fixtures', 'captures');
const ORACLE = join(ROOT, 'scripts', 'tshark-oracle');
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
const CAPTURE_RE = /\.(pcap|pcapng)$/;

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error } : {}) };
}

function captureFiles(): string[] {
  return readdirSync(CAPTURES)
    .filter((n) => CAPTURE_RE.test(n))
    .sort();
}

void test('tshark is installed (the oracle needs it)', () => {
  const r = run('tshark', ['--version']);
  assert.ok(
    !r.error && r.status === 0,
    'tshark is required for the oracle tests and was not found: apt-get install -y tshark ' +
      `(${r.error ? r.error.message : r.stderr.trim()})`,
  );
});

void test('fixture set is consistent: every capture has an oracle file and a README row with its sha256', () => {
  const names = captureFiles();
  assert.ok(names.length > 0, `no captures in ${CAPTURES}`);
  const readme = readFileSync(join(CAPTURES, 'README.md'), 'utf8');
  for (const name of names) {
    assert.ok(
      existsSync(join(CAPTURES, `${name}.tshark.jsonl`)),
      `${name}: missing ${name}.tshark.jsonl (scripts/tshark-oracle --write)`,
    );
    const sha = createHash('sha256')
      .update(readFileSync(join(CAPTURES, name)))
      .digest('hex');
    assert.ok(readme.includes(sha), `${name}: README.md has no row with its sha256 ${sha}`);
  }
  for (const n of readdirSync(CAPTURES).filter((f) => f.endsWith('.tshark.jsonl'))) {
    assert.ok(names.includes(n.replace(/\.tshark\.jsonl$/, '')), `${n}: oracle file without its capture`);
  }
});

/** tshark's dissection of a capture, run now; cached so each capture is dissected once. */
const liveOracle = new Map<string, Json[]>();
function tsharkNow(capture: string): Json[] {
  const cached = liveOracle.get(capture);
  if (cached) return cached;
  const r = run(process.execPath, [ORACLE, capture]);
  assert.equal(r.status, 0, `scripts/tshark-oracle failed: ${r.error?.message ?? r.stderr.trim()}`);
  const lines = parseJsonl(r.stdout, 'tshark-oracle');
  liveOracle.set(capture, lines);
  return lines;
}

for (const name of existsSync(CAPTURES) ? captureFiles() : []) {
  const capture = join(CAPTURES, name);
  const committedOracle = (): Map<string, number> =>
    multiset(parseJsonl(readFileSync(`${capture}.tshark.jsonl`, 'utf8'), `${name}.tshark.jsonl`));

  void test(`${name}: tshark now agrees with the committed oracle file`, (t) => {
    const committed = committedOracle();
    const a = compare(committed, multiset(tsharkNow(capture)));
    t.diagnostic(`${name}: tshark live vs committed: ${a.agreed}/${count(committed)} messages agree`);
    assert.ok(count(committed) > 0, `${name}: the committed oracle has no SIP message`);
    assert.ok(a.missing.length === 0 && a.extra.length === 0, `${name}: tshark's dissection changed\n${describe(a)}`);
  });

  void test(`${name}: sipward decode agrees with tshark (live and committed)`, (t) => {
    const live = multiset(tsharkNow(capture));
    const committed = committedOracle();
    const r = run(process.execPath, [SIPWARD, 'decode', capture]);
    const why = r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' | ');
    assert.equal(r.status, 0, `sipward decode ${name} exited ${r.status}: ${why}`);
    const events = parseJsonl(r.stdout, `sipward decode ${name}`);
    const got = multiset(events);
    const vsLive = compare(live, got);
    const vsCommitted = compare(committed, got);
    t.diagnostic(
      `${name}: sipward emitted ${events.length}; agreement with tshark live ${vsLive.agreed}/${count(live)}, ` +
        `with committed oracle ${vsCommitted.agreed}/${count(committed)}`,
    );
    assert.ok(
      vsLive.missing.length === 0 && vsLive.extra.length === 0,
      `${name}: sipward and tshark (live) disagree\n${describe(vsLive)}`,
    );
    assert.ok(
      vsCommitted.missing.length === 0 && vsCommitted.extra.length === 0,
      `${name}: sipward and the committed oracle disagree\n${describe(vsCommitted)}`,
    );
  });
}
