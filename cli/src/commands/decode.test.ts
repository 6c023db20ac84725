// `sipward decode` as a user runs it: output shape, summary, and one clear line for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../../lib/src/test-support/run-sipward';

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 30_000 });
}

void test('decode prints one JSON event per SIP message and a summary on stderr', () => {
  const r = sipward(['decode', 'test/fixtures/captures/tcp-split.pcap']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 14);
  for (const line of lines) {
    const e = JSON.parse(line) as { network: { transport: string }; sip: { call_id?: string } };
    assert.equal(e.network.transport, 'tcp');
    assert.ok(e.sip.call_id);
  }
  const summary = /"sip_messages":(\d+)/.exec(r.stderr);
  assert.equal(summary?.[1], '14');
});

void test('a missing file, a file that is not a capture, and no input: one line on stderr, exit 2', () => {
  const dir = tempDir();
  const junk = join(dir, 'junk.txt');
  writeFileSync(junk, 'this is not a capture\n');
  for (const [args, code] of [
    [['decode', join(dir, 'missing.pcap')], 'SIPWARD_INPUT_NOT_FOUND'],
    [['decode', junk], 'SIPWARD_NOT_A_CAPTURE'],
    [['decode'], 'SIPWARD_USAGE'],
  ] as const) {
    const r = sipward([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^sipward: .*\\(${code}\\)$`));
  }
});

void test('every command has --help', () => {
  for (const args of [['--help'], ['decode', '--help']]) {
    const r = sipward(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: sipward/);
  }
});
