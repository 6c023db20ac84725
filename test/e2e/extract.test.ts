// `sipward extract`: the pcap it writes opens in tshark with exactly the packets behind the alert
// (one per message its incident counted, on the UDP demo capture) or the call (every message of the
// dialog, also when TCP splits or coalesces messages or IP fragments them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Alert } from '../../schema/src/alert';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../lib/src/test-support/run-sipward';
import { repoRoot } from '../../lib/src/repo-root';

const ROOT = repoRoot();
const DEMO = 'samples/demo-attacks.pcap';

function sipward(args: string[]): SipwardRun {
  return runSipward(['--log-level', 'warn', ...args], { timeoutMs: 120_000 });
}

/** Frames tshark reads from `file`, optionally only those matching a display filter. */
function tsharkCount(file: string, filter?: string): number {
  const r = spawnSync('tshark', ['-r', file, ...(filter !== undefined ? ['-Y', filter] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `tshark -r ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

void test('extract --alert: every alert of the demo yields one packet per counted message', () => {
  const r = sipward(['analyze', DEMO, '--format', 'jsonl']);
  assert.equal(r.status, 0, r.stderr);
  const alerts = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Alert);
  assert.ok(alerts.length >= 5);
  const dir = tempDir();
  for (const alert of alerts) {
    const out = join(dir, `${alert.event.id}.pcap`);
    const x = sipward(['extract', '--alert', alert.event.id, DEMO, '-o', out]);
    assert.equal(x.status, 0, x.stderr);
    // Every message of these incidents is one UDP datagram: packets = messages = the alert's count.
    assert.equal(tsharkCount(out), alert.sipward.count, `${alert.rule.id} ${alert.event.id}`);
    assert.equal(tsharkCount(out, 'sip'), alert.sipward.count, `${alert.rule.id}: all of them SIP`);
  }
});

void test('extract --call: every message of the dialog over split/coalesced TCP and IP fragments', () => {
  const dir = tempDir();
  const cases: Array<[string, string]> = [
    ['test/fixtures/captures/tcp-split.pcap', '1-11699@10.77.0.11'],
    ['test/fixtures/captures/tcp-coalesced.pcap', '2-11741@10.77.0.11'],
    ['test/fixtures/captures/frag.pcap', '1-11871@fd77::11'],
    ['test/fixtures/captures/tcp-erspan2.pcap', '1-11625@10.77.0.11'],
  ];
  for (const [capture, callId] of cases) {
    const out = join(dir, 'call.pcap');
    const x = sipward(['extract', '--call', callId, capture, '-o', out]);
    assert.equal(x.status, 0, x.stderr);
    const filter = `sip.Call-ID == "${callId}"`;
    const expected = tsharkCount(capture, filter);
    assert.ok(expected >= 5, `${capture}: the dialog has messages`);
    assert.equal(tsharkCount(out, filter), expected, `${capture}: tshark reassembles every message from the extract`);
  }
});

void test('extract: unknown ids and missing selectors are one clear line and exit 2', () => {
  const out = join(tempDir(), 'none.pcap');
  const unknown = sipward(['extract', '--alert', 'ffffffffffffffffffffffffffffffff', DEMO, '-o', out]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no message of alert ffff/);
  const campaign = sipward(['extract', '--campaign', 'c-1', DEMO, '-o', out]);
  assert.equal(campaign.status, 2);
  assert.match(campaign.stderr, /no message of campaign c-1/);
  const none = sipward(['extract', DEMO, '-o', out]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /exactly one of --alert, --call, --campaign/);
});
