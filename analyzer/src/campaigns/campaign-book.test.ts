import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert, Severity } from '../../../schema/src/alert';
import { SEVERITY_NUMBER } from '../../../schema/src/alert';
import { parseSiteConfig } from '../site/site-config';
import { CampaignBook, relaysOf } from './campaign-book';

const T0 = Date.parse('2026-03-02T10:00:00Z');
let n = 0;

function alert(
  rule: string,
  severity: Severity,
  atMin: number,
  who: { ip?: string; user?: string; dialled?: string },
  lastsMin = 1,
): Alert {
  n++;
  const iso = (m: number): string => new Date(T0 + m * 60_000).toISOString();
  return {
    '@timestamp': iso(atMin),
    message: rule,
    event: {
      kind: 'alert',
      category: ['intrusion_detection', 'network'],
      type: ['info'],
      code: rule,
      severity: SEVERITY_NUMBER[severity],
      risk_score: SEVERITY_NUMBER[severity],
      id: `a${n}`,
      start: iso(atMin),
      end: iso(atMin + lastsMin),
      dataset: 'sipward.alert',
      module: 'sipward',
    },
    rule: { id: rule, name: rule, version: 1, category: 'x', ruleset: 'sipward-fs38' },
    source: { ...(who.ip !== undefined ? { ip: who.ip } : {}), port: 5060 },
    ...(who.user !== undefined ? { user: { name: who.user } } : {}),
    ...(who.dialled !== undefined ? { sip: { request_uri_user: who.dialled } } : {}),
    sipward: { fs38: { theme: [] }, count: 1, evidence: [] },
  };
}

const site = parseSiteConfig(
  `site:
  border: [198.51.100.51/32]
  trusted_peers: [{ name: carrier-a, addresses: [192.0.2.54/32] }]
`,
  'site.yaml',
);

void test('crack then fraud: scan, brute force, success and toll fraud through the SBC are one critical campaign', () => {
  const book = new CampaignBook({ isRelay: relaysOf(site) });
  const chain = [
    alert('SIP-REC-01', 'low', 0, { ip: '203.0.113.66', user: '101' }),
    alert('SIP-AUTH-01', 'medium', 2, { ip: '203.0.113.66', user: '101' }),
    alert('SIP-AUTH-03', 'critical', 5, { ip: '203.0.113.66', user: '101' }),
    // The fraud is relayed by the SBC (a border element): it links by the cracked account only.
    alert('SIP-FRD-01', 'high', 20, { ip: '198.51.100.51', user: '101', dialled: '881631234567' }),
    alert('SIP-FRD-02', 'high', 21, { ip: '198.51.100.51', user: '101' }),
  ];
  // An ordinary busy account through the same SBC at the same time is another story.
  const other = alert('SIP-FRD-02', 'high', 22, { ip: '198.51.100.51', user: '150' });
  // Finals arrive in any order (an incident ends when its suppress period does).
  for (const a of [chain[3], chain[0], other, chain[2], chain[4], chain[1]]) book.link(a as Alert);
  const ids = new Set(chain.map((a) => a.sipward.campaign?.id));
  assert.equal(ids.size, 1, 'one campaign id on every alert of the chain');
  assert.notEqual(other.sipward.campaign?.id, chain[0]?.sipward.campaign?.id);
  const campaigns = book.campaigns();
  assert.equal(campaigns.length, 2);
  const story = campaigns.find((c) => c.event.id === chain[0]?.sipward.campaign?.id);
  assert.ok(story);
  assert.equal(story.sipward.campaign.severity, 'critical');
  assert.equal(story.event.severity, 99);
  assert.deepEqual(story.sipward.campaign.signatures, [
    'SIP-REC-01',
    'SIP-AUTH-01',
    'SIP-AUTH-03',
    'SIP-FRD-01',
    'SIP-FRD-02',
  ]);
  assert.equal(story.sipward.campaign.alerts, 5);
  assert.equal(story.sipward.campaign.first_seen, '2026-03-02T10:00:00.000Z');
  assert.equal(story.sipward.campaign.last_seen, '2026-03-02T10:22:00.000Z');
  assert.deepEqual(story.sipward.campaign.accounts, ['101']);
  assert.deepEqual(story.sipward.campaign.numbers, ['881631234567']);
  assert.match(story.message, /^critical campaign: SIP-REC-01 → SIP-AUTH-01 → SIP-AUTH-03 → SIP-FRD-01 → SIP-FRD-02/);
});

void test('campaigns: nothing shared, or shared only after the window, is separate', () => {
  const book = new CampaignBook({ windowMs: 30 * 60_000 });
  const a = alert('SIP-REC-01', 'low', 0, { ip: '203.0.113.1' });
  const b = alert('SIP-REC-01', 'low', 5, { ip: '203.0.113.2' });
  const c = alert('SIP-AUTH-01', 'medium', 45, { ip: '203.0.113.1' });
  for (const x of [a, b, c]) book.link(x);
  assert.equal(new Set([a, b, c].map((x) => x.sipward.campaign?.id)).size, 3);
  assert.deepEqual(
    book.campaigns().map((x) => x.sipward.campaign.severity),
    ['low', 'low', 'medium'],
  );
});

void test('campaigns: an alert that links two stories merges them into the older one', () => {
  const book = new CampaignBook();
  const scan = alert('SIP-REC-02', 'low', 0, { ip: '203.0.113.9' });
  const fraud = alert('SIP-FRD-01', 'high', 10, { ip: '198.18.0.4', user: '2001' });
  const crack = alert('SIP-AUTH-03', 'critical', 5, { ip: '203.0.113.9', user: '2001' });
  for (const x of [scan, fraud, crack]) book.link(x);
  const [only, ...rest] = book.campaigns();
  assert.equal(rest.length, 0);
  assert.ok(only);
  assert.equal(only.event.id, scan.sipward.campaign?.id);
  assert.deepEqual(only.sipward.campaign.merged_ids, [fraud.sipward.campaign?.id]);
  assert.deepEqual(only.sipward.campaign.signatures, ['SIP-REC-02', 'SIP-AUTH-03', 'SIP-FRD-01']);
  assert.equal(only.sipward.campaign.severity, 'critical');
});

void test('campaigns: without site knowledge a relay address links like any other', () => {
  const book = new CampaignBook();
  const a = alert('SIP-FRD-02', 'high', 0, { ip: '198.51.100.51', user: '150' });
  const b = alert('SIP-FRD-02', 'high', 1, { ip: '198.51.100.51', user: '151' });
  book.link(a);
  book.link(b);
  assert.equal(a.sipward.campaign?.id, b.sipward.campaign?.id);
});
