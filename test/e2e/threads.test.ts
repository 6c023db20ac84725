// `--threads N` changes who does the work, never the result: `sipward analyze` and `sipward decode`
// write the same bytes and the same summary with 1, 2 and 3 threads, on real attack captures, the
// TCP/tunnel/fragment fixtures and a generated 20k-message mix (UDP + split/coalesced TCP + attacks),
// for analyze also its call records, SIP transaction log and campaigns (`--out-dir`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { repoRoot } from '../../lib/src/repo-root';

const ROOT = repoRoot();
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
const ATTACKS = join(ROOT, 'test', 'fixtures', 'attacks');
const CAPTURES = join(ROOT, 'test', 'fixtures', 'captures');

interface Run {
  stdout: string;
  summary: Record<string, unknown>;
}

function sipward(args: string[]): Run {
  const r = spawnSync(process.execPath, [SIPWARD, '--log-level', 'info', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, `sipward ${args.join(' ')}: ${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop() ?? '{}';
  const summary = JSON.parse(last) as Record<string, unknown>;
  // Wall-clock fields differ from run to run; everything else must not.
  delete summary.time;
  delete summary.pid;
  for (const holder of [summary, summary.summary, summary.decode] as Array<Record<string, unknown> | undefined>)
    if (holder !== undefined) delete holder.seconds;
  return { stdout: r.stdout, summary };
}

let mixed: string;
const scratch = tempDir('sipward-threads-');

void test.before(() => {
  mixed = join(scratch, 'mixed.pcap');
  const made = spawnSync(process.execPath, [
    join(ROOT, 'dist', 'bench', 'make-capture.js'),
    mixed,
    '--messages',
    '20000',
    '--sites',
    '300',
    '--tcp-share',
    '0.4',
    '--attack-share',
    '0.1',
  ]);
  assert.equal(made.status, 0, String(made.stderr));
});

void test.after(() => rmSync(scratch, { recursive: true, force: true }));

void test('analyze: the same alerts and summary with 1, 2 and 3 threads', () => {
  const cases: string[][] = [
    [join(ATTACKS, 'atk-svcrack.pcap'), join(ATTACKS, 'atk-invite-flood.pcap')],
    [join(ATTACKS, 'fs-toll-fraud.pcap'), '--config', join(ROOT, 'signatures', 'test-site.yaml')],
    [join(ATTACKS, 'atk-fuzz.pcap')],
    [mixed],
  ];
  for (const args of cases) {
    const one = sipward(['analyze', ...args, '--format', 'jsonl', '--threads', '1']);
    assert.ok(one.stdout.length > 0 || args[0] === mixed, `${args[0]} raises alerts`);
    for (const threads of ['2', '3']) {
      const many = sipward(['analyze', ...args, '--format', 'jsonl', '--threads', threads]);
      assert.equal(many.stdout, one.stdout, `${args[0]}: alerts with --threads ${threads}`);
      assert.deepEqual(many.summary, one.summary, `${args[0]}: summary with --threads ${threads}`);
    }
  }
});

void test('analyze: the same call records, SIP transaction log and campaigns with 1, 2 and 3 threads', () => {
  const outputs = (threads: string): { run: Run; files: Record<string, string> } => {
    const dir = join(scratch, `out-${threads}`);
    const run = sipward(['analyze', mixed, '--out-dir', dir, '--threads', threads]);
    const files: Record<string, string> = {};
    for (const name of ['alerts.jsonl', 'calls.jsonl', 'sip-log.jsonl', 'campaigns.jsonl'])
      files[name] = readFileSync(join(dir, name), 'utf8');
    return { run, files };
  };
  const one = outputs('1');
  assert.ok((one.files['calls.jsonl'] ?? '').length > 0, 'the mixed capture has calls');
  assert.ok((one.files['sip-log.jsonl'] ?? '').length > 0, 'and transactions');
  for (const threads of ['2', '3']) {
    const many = outputs(threads);
    for (const [name, text] of Object.entries(one.files))
      assert.equal(many.files[name], text, `${name} with --threads ${threads}`);
    assert.deepEqual(many.run.summary, one.run.summary, `summary with --threads ${threads}`);
  }
});

void test('decode: the same JSONL and summary with 1, 2 and 3 threads', () => {
  const cases = [
    [join(CAPTURES, 'tcp-split.pcap'), join(CAPTURES, 'tcp-coalesced.pcap')],
    [join(CAPTURES, 'ipv6-gre.pcap'), join(CAPTURES, 'frag-nsec.pcap'), join(CAPTURES, 'udp-qinq.pcap')],
    [join(ATTACKS, 'atk-fuzz.pcap')],
    [mixed],
  ];
  for (const captures of cases) {
    const one = sipward(['decode', ...captures, '--threads', '1']);
    assert.ok(one.stdout.length > 0);
    for (const threads of ['2', '3']) {
      const many = sipward(['decode', ...captures, '--threads', threads]);
      assert.equal(many.stdout, one.stdout, `${captures[0]}: events with --threads ${threads}`);
      assert.deepEqual(many.summary, one.summary, `${captures[0]}: summary with --threads ${threads}`);
    }
  }
});
