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
import { join, resolve } from 'node:path';

// Compiled to dist/test/oracle/: the repository root is three levels up.
const ROOT = resolve(__dirname, '..', '..', '..');
const CAPTURES = join(ROOT, 'test', 'fixtures', 'captures');
const ORACLE = join(ROOT, 'scripts', 'tshark-oracle');
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
const CAPTURE_RE = /\.(pcap|pcapng)$/;

/** The compared fields, in tuple order; paths as in DESIGN.md "SIP event". */
const FIELDS = [
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'sip.method',
  'sip.status_code',
  'sip.call_id',
  'sip.cseq.seq',
  'sip.cseq.method',
  'sip.from.tag',
  'sip.to.tag',
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Value at a dotted path. Accepts nested objects (`{"sip":{"cseq":{"seq":1}}}`), flat dotted keys
 * (`{"sip.cseq.seq":1}`, the oracle's form) and any mix, so the test does not fix the encoder's
 * choice of nesting.
 */
function getPath(obj: Json | undefined, path: string): Json | undefined {
  if (!isObject(obj)) return undefined;
  if (Object.hasOwn(obj, path)) return obj[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const head = parts.slice(0, i).join('.');
    if (Object.hasOwn(obj, head)) {
      const v = getPath(obj[head], parts.slice(i).join('.'));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** RFC 5952 text for IPv6 (lower case, longest zero run compressed); IPv4 unchanged. */
function normaliseIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    // WHATWG URL serialises IPv6 hosts in RFC 5952 form (for addresses without embedded IPv4).
    return new URL(`http://[${ip.replace(/^\[|\]$/g, '')}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

function tupleOf(ev: Json): string {
  const values = FIELDS.map((f) => {
    const v = getPath(ev, f);
    if (v === undefined || v === null) return null;
    if (f === 'source.ip' || f === 'destination.ip') return normaliseIp(String(v));
    // Numbers may arrive as numbers or numeric strings; compare their text.
    return typeof v === 'number' ? String(v) : v;
  });
  return JSON.stringify(values);
}

function parseJsonl(text: string, what: string): Json[] {
  const out: Json[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as Json);
    } catch {
      throw new Error(`${what}: line ${i + 1} is not JSON: ${line.slice(0, 120)}`);
    }
  });
  return out;
}

function multiset(events: Json[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) {
    const k = tupleOf(e);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

interface Agreement {
  agreed: number;
  /** In `expected` but not (as often) in `actual`. */
  missing: string[];
  /** In `actual` but not (as often) in `expected`. */
  extra: string[];
}

function compare(expected: Map<string, number>, actual: Map<string, number>): Agreement {
  let agreed = 0;
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [k, n] of expected) {
    const m = actual.get(k) ?? 0;
    agreed += Math.min(n, m);
    for (let i = m; i < n; i++) missing.push(k);
  }
  for (const [k, m] of actual) {
    const n = expected.get(k) ?? 0;
    for (let i = n; i < m; i++) extra.push(k);
  }
  return { agreed, missing, extra };
}

function describe(a: Agreement): string {
  const show = (xs: string[]): string =>
    xs.slice(0, 5).join('\n    ') + (xs.length > 5 ? `\n    … ${xs.length - 5} more` : '');
  const fields = `tuple fields: ${FIELDS.join(', ')}`;
  return [
    fields,
    a.missing.length ? `  missing (${a.missing.length}):\n    ${show(a.missing)}` : '',
    a.extra.length ? `  unexpected (${a.extra.length}):\n    ${show(a.extra)}` : '',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

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

function count(m: Map<string, number>): number {
  return [...m.values()].reduce((x, y) => x + y, 0);
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
