// `sipward analyze --out-dir DIR` on the demo capture: the same alerts and call records as
// `--out`/`--calls`, under the fixed names `sipward ui --from DIR` reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../../lib/src/test-support/run-sipward';

const CAPTURE = 'samples/demo-attacks.pcap';

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 120_000 });
}

void test('analyze --out-dir writes alerts.jsonl, calls.jsonl and sip-log.jsonl equal to --out, --calls and --sip-log', () => {
  const base = tempDir();
  const dir = join(base, 'nested', 'out');
  const viaDir = sipward(['analyze', CAPTURE, '--out-dir', dir]);
  assert.equal(viaDir.status, 0, viaDir.stderr);
  const viaFiles = sipward([
    'analyze',
    CAPTURE,
    '--format',
    'jsonl',
    '--out',
    join(base, 'a.jsonl'),
    '--calls',
    join(base, 'c.jsonl'),
    '--sip-log',
    join(base, 's.jsonl'),
  ]);
  assert.equal(viaFiles.status, 0, viaFiles.stderr);
  const alerts = readFileSync(join(dir, 'alerts.jsonl'), 'utf8');
  assert.equal(alerts, readFileSync(join(base, 'a.jsonl'), 'utf8'));
  assert.equal(readFileSync(join(dir, 'calls.jsonl'), 'utf8'), readFileSync(join(base, 'c.jsonl'), 'utf8'));
  const sipLog = readFileSync(join(dir, 'sip-log.jsonl'), 'utf8');
  assert.equal(sipLog, readFileSync(join(base, 's.jsonl'), 'utf8'));
  assert.ok(sipLog.length > 0, 'the demo capture has SIP transactions');
  assert.ok(alerts.trim().split('\n').length >= 8, 'the demo capture has at least 8 alerts');
  // The campaigns of those alerts (one attacker: one campaign), as --campaigns writes them.
  const campaigns = readFileSync(join(dir, 'campaigns.jsonl'), 'utf8').trim().split('\n');
  assert.equal(campaigns.length, 1);
});

void test('analyze --out-dir refuses --out, --format table and a path that is a file, with exit 2', () => {
  const base = tempDir();
  const file = join(base, 'plain-file');
  writeFileSync(file, 'x');
  const withOut = sipward(['analyze', CAPTURE, '--out-dir', base, '--out', join(base, 'x')]);
  assert.equal(withOut.status, 2);
  assert.match(withOut.stderr, /--out-dir names the alert, call, SIP log and campaign files itself/);
  const withCampaigns = sipward(['analyze', CAPTURE, '--out-dir', base, '--campaigns', join(base, 'x')]);
  assert.equal(withCampaigns.status, 2);
  const table = sipward(['analyze', CAPTURE, '--out-dir', base, '--format', 'table']);
  assert.equal(table.status, 2);
  const notDir = sipward(['analyze', CAPTURE, '--out-dir', join(file, 'sub')]);
  assert.equal(notDir.status, 2);
  assert.match(notDir.stderr, /^sipward: cannot create output directory .*ENOTDIR/);
});
