// `sipward analyze` as a user runs it: alerts on the bundled demo, one line for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { runSipward, type SipwardRun } from '../../../lib/src/test-support/run-sipward';

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 60_000 });
}

void test('analyze on the README sample prints ECS alerts and a summary', () => {
  const r = sipward(['analyze', 'samples/demo-attacks.pcap', '--format', 'jsonl']);
  assert.equal(r.status, 0, r.stderr);
  const alerts = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: { kind: string; severity: number; id: string }; rule: { id: string } });
  const ids = new Set(alerts.map((a) => a.rule.id));
  for (const id of ['SIP-REC-01', 'SIP-REC-02', 'SIP-REC-03', 'SIP-AUTH-01', 'SIP-AUTH-03', 'SIP-DOS-01']) {
    assert.ok(ids.has(id), `${id} missing from ${[...ids].join(', ')}`);
  }
  for (const a of alerts) {
    assert.equal(a.event.kind, 'alert');
    assert.ok([21, 47, 73, 99].includes(a.event.severity));
  }
  assert.match(r.stderr, /"msg":"analyze finished"/);
  // Same input, same alert ids: re-processing never duplicates.
  const again = sipward(['analyze', 'samples/demo-attacks.pcap', '--format', 'jsonl']);
  assert.equal(again.stdout, r.stdout);
});

void test('analyze: missing capture, broken rule file, bad config, unwritable output → one line on stderr, exit 2', () => {
  const dir = tempDir();
  const rules = join(dir, 'rules', 'recon', 'SIP-REC-01');
  mkdirSync(rules, { recursive: true });
  writeFileSync(join(rules, 'signature.yaml'), 'id: SIP-REC-01\nname: broken\nkind: no_such_kind\n');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'engine:\n  max_groups_per_signature: -1\n');
  for (const [args, code] of [
    [['analyze', join(dir, 'missing.pcap')], 'SIPWARD_INPUT_NOT_FOUND'],
    [['analyze', 'samples/demo-attacks.pcap', '--rules', join(dir, 'rules')], 'SIPWARD_RULES_INVALID'],
    [['analyze', 'samples/demo-attacks.pcap', '--config', config], 'SIPWARD_CONFIG_INVALID'],
    [
      ['analyze', 'samples/demo-attacks.pcap', '--calls', join(dir, 'no-such-dir', 'calls.jsonl')],
      'SIPWARD_OUTPUT_UNWRITABLE',
    ],
    [
      ['analyze', 'samples/demo-attacks.pcap', '--out', join(dir, 'no-such-dir', 'alerts.jsonl')],
      'SIPWARD_OUTPUT_UNWRITABLE',
    ],
  ] as const) {
    const r = sipward([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^sipward: .*\\(${code}\\)$`));
  }
});
