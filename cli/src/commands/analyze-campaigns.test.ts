// `sipward analyze --campaigns FILE` on the bundled demo capture (real sipvicious and sipp from one
// attacker, 10.77.0.66, mixed with benign calls): every alert carries one campaign id, and the
// campaign document tells the story in order, at the highest severity (the cracked password).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../../schema/src/alert';
import type { Campaign } from '../../../schema/src/campaign';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { jsonLines, runSipward } from '../../../lib/src/test-support/run-sipward';

void test('analyze --campaigns on the demo capture: one attacker, one critical campaign, in order', () => {
  const out = join(tempDir(), 'campaigns.jsonl');
  const r = runSipward(['analyze', 'samples/demo-attacks.pcap', '--format', 'jsonl', '--campaigns', out]);
  assert.equal(r.status, 0, r.stderr);
  const alerts = jsonLines<Alert>(r.stdout);
  assert.ok(alerts.length >= 5, `alerts: ${alerts.map((a) => a.rule.id).join(', ')}`);
  const campaigns = jsonLines<Campaign>(readFileSync(out, 'utf8'));
  assert.equal(campaigns.length, 1);
  const c = campaigns[0] as Campaign;
  for (const a of alerts) assert.equal(a.sipward.campaign?.id, c.event.id, `${a.rule.id} in the campaign`);
  assert.equal(c.sipward.campaign.alerts, alerts.length);
  assert.equal(c.sipward.campaign.severity, 'critical');
  assert.deepEqual(c.sipward.campaign.sources, ['10.77.0.66']);
  const order = c.sipward.campaign.signatures;
  assert.ok(order.indexOf('SIP-REC-01') < order.indexOf('SIP-AUTH-01'), order.join(' → '));
  assert.ok(order.indexOf('SIP-AUTH-01') < order.indexOf('SIP-AUTH-03'), order.join(' → '));
  assert.match(r.stderr, /"campaigns":1/);
});
