// End to end: real attack captures (scripts/testbed attacks, scripts/testbed fs38) through
// `sipward analyze` (with `--config <config>` when the label names the site config the capture
// assumes: the fs-* captures and scripts/testbed.d/site.yaml).
// For every capture in test/fixtures/attacks/labels.yaml:
//   - every expected signature fires, with the labelled attacker as source.ip and an
//     event.start..event.end that overlaps the labelled attack time range;
//   - nothing else fires: a rule id outside expect ∪ may is a false positive (benign-mix: no
//     alert at all).
// The captures are real tool output (sipvicious, sipp, fuzz.js) mixed with benign sipp traffic;
// labels.yaml says what each holds and is generated with them (scripts/testbed.d/attack-labels.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../lib/src/repo-root';
import { runSipward } from '../../lib/src/test-support/run-sipward';

const ROOT = repoRoot();
const FIXTURES = join(ROOT, 'test', 'fixtures', 'attacks');
/** The README's first command analyzes this one; it carries its own labels in the same format. */
const DEMO = join(ROOT, 'samples', 'demo-attacks.pcap');
const DEMO_LABELS = join(ROOT, 'samples', 'demo-attacks.labels.yaml');
/** Slack around the labelled range: alert windows may start at the first evidence or the first packet. */
const SLACK_MS = 2000;

interface ExpectedAlert {
  id: string;
  source: string;
  target: string;
  start: string;
  end: string;
}

interface CaptureLabel {
  file: string;
  scenario: string;
  sha256: string;
  expect: ExpectedAlert[];
  may: string[];
  /** Site config (repository-relative) the capture is analysed with. */
  config?: string;
  /** Signatures the capture raises without its config (the config is what quiets them). */
  withoutConfig: string[];
}

interface AlertLine {
  ruleId: string;
  sourceIp: string | undefined;
  start: number;
  end: number;
  raw: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`labels.yaml: ${what} is not a string`);
  return v;
}

function loadLabels(): CaptureLabel[] {
  const doc: unknown = parse(readFileSync(join(FIXTURES, 'labels.yaml'), 'utf8'));
  if (!isRecord(doc) || !Array.isArray(doc.captures)) throw new Error('labels.yaml: no captures list');
  return doc.captures.map(toCaptureLabel);
}

function toCaptureLabel(c: unknown, i: number): CaptureLabel {
  if (!isRecord(c)) throw new Error(`labels.yaml: captures[${i}] is not a map`);
  const file = str(c.file, `captures[${i}].file`);
  if (!Array.isArray(c.expect) || !Array.isArray(c.may))
    throw new Error(`labels.yaml: ${file}: expect/may must be lists`);
  return {
    file,
    scenario: str(c.scenario, `${file}.scenario`),
    sha256: str(c.sha256, `${file}.sha256`),
    ...(c.config !== undefined ? { config: str(c.config, `${file}.config`) } : {}),
    may: c.may.map((m: unknown) => str(m, `${file}.may[]`)),
    withoutConfig: Array.isArray(c.without_config)
      ? c.without_config.map((m: unknown) => str(m, `${file}.without_config[]`))
      : [],
    expect: c.expect.map((e: unknown, j: number): ExpectedAlert => {
      if (!isRecord(e)) throw new Error(`labels.yaml: ${file}.expect[${j}] is not a map`);
      return {
        id: str(e.id, `${file}.expect[${j}].id`),
        source: str(e.source, `${file}.expect[${j}].source`),
        target: str(e.target, `${file}.expect[${j}].target`),
        start: str(e.start, `${file}.expect[${j}].start`),
        end: str(e.end, `${file}.expect[${j}].end`),
      };
    }),
  };
}

function parseAlert(line: string): AlertLine {
  const doc: unknown = JSON.parse(line);
  if (!isRecord(doc) || !isRecord(doc.rule) || typeof doc.rule.id !== 'string' || !isRecord(doc.event)) {
    throw new Error(`not an alert (rule.id, event.* missing): ${line.slice(0, 200)}`);
  }
  const start = Date.parse(String(doc.event.start));
  const end = Date.parse(String(doc.event.end));
  assert.ok(Number.isFinite(start) && Number.isFinite(end), `alert without event.start/end: ${line.slice(0, 200)}`);
  const sourceIp = isRecord(doc.source) && typeof doc.source.ip === 'string' ? doc.source.ip : undefined;
  return { ruleId: doc.rule.id, sourceIp, start, end, raw: line };
}

function analyze(file: string, config?: string): AlertLine[] {
  const args = ['analyze', file, '--format', 'jsonl', ...(config !== undefined ? ['--config', config] : [])];
  const r = runSipward(args, { maxBuffer: 256 * 1024 * 1024, timeoutMs: 120_000 });
  assert.equal(r.status, 0, `sipward analyze ${file} exited ${String(r.status)}: ${r.stderr.slice(-2000)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseAlert);
}

function summary(alerts: AlertLine[]): string {
  return alerts.map((a) => `${a.ruleId} src=${a.sourceIp ?? '-'}`).join('; ') || '(none)';
}

const labels = loadLabels();
const demo = toCaptureLabel(parse(readFileSync(DEMO_LABELS, 'utf8')), 0);
const pathOf = (label: CaptureLabel): string => (label === demo ? DEMO : join(FIXTURES, label.file));

void test('labels.yaml covers a benign capture and every attack family', () => {
  const ids = new Set(labels.flatMap((c) => c.expect.map((e) => e.id)));
  for (const id of [
    'SIP-REC-01',
    'SIP-REC-02',
    'SIP-REC-03',
    'SIP-AUTH-01',
    'SIP-AUTH-03',
    'SIP-DOS-01',
    'SIP-DOS-02',
    'SIP-MAL-06',
  ]) {
    assert.ok(ids.has(id), `no capture expects ${id}`);
  }
  const benign = labels.filter((c) => c.expect.length === 0);
  assert.ok(benign.length > 0, 'no benign capture (expect: [])');
  for (const c of benign) assert.deepEqual(c.may, [], `${c.file}: a benign capture allows nothing`);
  const total = labels.reduce((n, c) => n + statSync(join(FIXTURES, c.file)).size, 0);
  assert.ok(total < 6 * 1024 * 1024, `attack captures total ${total} bytes, over 6 MB`);
  assert.ok(statSync(DEMO).size < 1024 * 1024, 'samples/demo-attacks.pcap is over 1 MB');
});

/** The FS.38 signatures the fs-* captures (scripts/testbed.d/fs38.sh) must exercise. */
const FS38_IDS = [
  'SIP-FRD-01',
  'SIP-FRD-02',
  'SIP-FRD-03',
  'SIP-FRD-04',
  'SIP-FRD-05',
  'SIP-FRD-08',
  'SIP-CLI-01',
  'SIP-REG-02',
  'SIP-REG-03',
  'SIP-HDR-01',
  'SIP-HDR-02',
  'SIP-HDR-03',
  'SIP-HDR-04',
  'SIP-TOP-01',
  'SIP-TOP-02',
  'SIP-DLG-01',
  'SIP-DLG-02',
  'SIP-SDP-01',
  'SIP-SDP-02',
  'SIP-CRY-02',
  'SIP-CRY-03',
  'SIP-IC-01',
  'SIP-IC-02',
];

void test('labels.yaml: the fs-* captures cover every FS.38 signature, with the site config and a benign look-alike capture', () => {
  const fs38 = labels.filter((c) => c.scenario.startsWith('fs-'));
  assert.ok(fs38.length > 0, 'no fs-* capture in labels.yaml (scripts/testbed fs38 test/fixtures/attacks)');
  for (const c of fs38) {
    assert.ok(c.config !== undefined, `${c.file}: no config (the fs-* captures need the site knowledge)`);
    assert.ok(existsSync(join(ROOT, c.config)), `${c.file}: config ${c.config} missing`);
  }
  const ids = new Set(fs38.flatMap((c) => c.expect.map((e) => e.id)));
  for (const id of FS38_IDS) assert.ok(ids.has(id), `no fs-* capture expects ${id}`);
  const benign = fs38.filter((c) => c.expect.length === 0);
  assert.ok(benign.length > 0, 'no benign fs-* capture (expect: [])');
  for (const c of benign) assert.deepEqual(c.may, [], `${c.file}: a benign capture allows nothing`);
});

/** Ids of the signatures that need site knowledge (`requires_site: true`): skipped without --config. */
function siteSignatureIds(): Set<string> {
  const ids = new Set<string>();
  const base = join(ROOT, 'signatures');
  for (const family of readdirSync(base, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const sig of readdirSync(join(base, family.name), { withFileTypes: true })) {
      const file = join(base, family.name, sig.name, 'signature.yaml');
      if (!sig.isDirectory() || !existsSync(file)) continue;
      const doc: unknown = parse(readFileSync(file, 'utf8'));
      if (isRecord(doc) && doc.requires_site === true && typeof doc.id === 'string') ids.add(doc.id);
    }
  }
  return ids;
}

void test('fs-* captures without the site config: no site-aware signature fires, nothing outside the labels', () => {
  const siteIds = siteSignatureIds();
  assert.ok(siteIds.has('SIP-HDR-01'), 'SIP-HDR-01 should need site knowledge');
  for (const label of labels.filter((c) => c.config !== undefined)) {
    const allowed = new Set([...label.expect.map((e) => e.id), ...label.may, ...label.withoutConfig]);
    const alerts = analyze(pathOf(label));
    // A busy benign site is quiet only with its config: without it, what the label lists must fire.
    for (const id of label.withoutConfig) {
      assert.ok(
        alerts.some((a) => a.ruleId === id),
        `${label.file} without --config: ${id} should fire`,
      );
    }
    const wrong = alerts.filter((a) => siteIds.has(a.ruleId) || !allowed.has(a.ruleId));
    assert.deepEqual(
      wrong.map((a) => `${a.ruleId} src=${a.sourceIp ?? '-'}`),
      [],
      `${label.file} without --config`,
    );
  }
});

for (const label of [...labels, demo]) {
  void test(`${label.file}: capture matches its label (sha256, size)`, () => {
    const path = pathOf(label);
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    assert.equal(sha, label.sha256, `${label.file}: sha256 differs from labels.yaml (regenerate both together)`);
    assert.ok(statSync(path).size < 1.5 * 1024 * 1024, `${label.file}: over 1.5 MB`);
  });

  void test(`${label.file}: analyze raises exactly the labelled signatures`, () => {
    const alerts = analyze(pathOf(label), label.config);
    if (label.expect.length === 0) {
      assert.deepEqual(
        alerts.map((a) => a.ruleId),
        [],
        `${label.file} is benign; alerts: ${summary(alerts)}`,
      );
      return;
    }
    for (const want of label.expect) {
      const lo = Date.parse(want.start) - SLACK_MS;
      const hi = Date.parse(want.end) + SLACK_MS;
      const hit = alerts.find(
        (a) => a.ruleId === want.id && a.sourceIp === want.source && a.start <= hi && a.end >= lo,
      );
      assert.ok(
        hit,
        `${label.file}: expected ${want.id} from ${want.source} → ${want.target} within ${want.start}..${want.end}; ` +
          `alerts: ${summary(alerts)}`,
      );
    }
    const allowed = new Set([...label.expect.map((e) => e.id), ...label.may]);
    const unexpected = alerts.filter((a) => !allowed.has(a.ruleId));
    assert.deepEqual(
      unexpected.map((a) => `${a.ruleId} src=${a.sourceIp ?? '-'}`),
      [],
      `${label.file}: alerts outside expect ∪ may (${[...allowed].join(', ')})`,
    );
  });
}
