// Readable evidence (issue 15) on every attack capture and the demo: each alert quotes SIP messages
// (first, threshold, last) with credentials redacted, carries incident aggregates, names the attacker
// as the source of its group, and no text anywhere holds a "?" placeholder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../schema/src/alert';
import { repoRoot } from '../../lib/src/repo-root';

const ROOT = repoRoot();
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
const SITE = 'scripts/testbed.d/site.yaml';
/** The attack tool's address in every testbed capture (labels.yaml `attacker`). */
const ATTACKER = '10.77.0.66';

function analyze(file: string): Alert[] {
  const r = spawnSync(process.execPath, [SIPWARD, 'analyze', file, '--format', 'jsonl', '--config', SITE], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `${file}: ${(r.stderr ?? '').slice(-1000)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Alert);
}

/** Every string in a document, with its path. */
function* strings(value: unknown, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* strings(v, path === '' ? k : `${path}.${k}`);
}

const captures = [
  'samples/demo-attacks.pcap',
  ...readdirSync(join(ROOT, 'test/fixtures/attacks'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => `test/fixtures/attacks/${f}`),
];

for (const file of captures) {
  void test(`${file}: every alert shows readable, redacted evidence and incident aggregates`, () => {
    for (const alert of analyze(file)) {
      const what = `${file} ${alert.rule.id} ${alert.event.id}`;
      const evidence = alert.sipward.evidence;
      assert.ok(evidence.length >= 1 && evidence.length <= 10, what);
      assert.equal(evidence.filter((e) => e.role === 'threshold').length, 1, `${what}: one threshold item`);
      for (const e of evidence) {
        assert.ok(
          e.raw !== undefined && /^(SIP\/2\.0 \d{3} |[A-Z]+ \S+ SIP\/2\.0\r\n)/.test(e.raw),
          `${what}: raw ${e.raw}`,
        );
        assert.ok(!/response="?[0-9a-f]{32}/i.test(e.raw ?? ''), `${what}: digest response not redacted`);
        assert.ok(e.source?.ip !== undefined && e.destination?.ip !== undefined && e.transport !== undefined, what);
      }
      const agg = alert.sipward.aggregates ?? {};
      assert.ok(agg['source.ip'] !== undefined && agg['source.ip'].distinct >= 1, `${what}: source aggregate`);
      for (const [field, a] of Object.entries(agg)) {
        assert.ok(a.top.length >= 1 && a.distinct >= a.top.length, `${what}: ${field}`);
        assert.ok(a.first_seen <= a.last_seen, `${what}: ${field} first/last`);
      }
      for (const [path, text] of strings(alert)) {
        if (path.endsWith('.raw')) continue; // message text as captured
        assert.ok(!/(^|[\s(":=])\?($|[\s)",])/.test(text), `${what}: placeholder in ${path}: ${text}`);
      }
      // The attacker is the source of the group, whichever message grouped it.
      assert.notEqual(alert.sipward.group?.['destination.ip'], ATTACKER, `${what}: attacker named as destination`);
    }
  });
}
