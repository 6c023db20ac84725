// End to end: call records of real testbed calls. `sipward analyze --calls FILE` on the fs-*
// captures (scripts/testbed fs38) must give, for every call the scenario script placed (the call
// plan in test/fixtures/attacks/labels.yaml, written from scripts/testbed.d/fs38.sh), one record
// with the planned final status, the callee's country, and for answered calls a duration within
// 50 ms of the sipp hold time (-d: ACK to BYE; the 200 OK leaves about a millisecond before the ACK).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CallRecord } from '../../schema/src/call-record';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { repoRoot } from '../../lib/src/repo-root';
import { runSipward } from '../../lib/src/test-support/run-sipward';

const ROOT = repoRoot();
const FIXTURES = join(ROOT, 'test', 'fixtures', 'attacks');
/** Hold-time tolerance: the 200 OK → BYE interval vs sipp's -d (ACK → BYE). */
const TOLERANCE_S = 0.05;

interface PlannedCall {
  phase: string;
  caller_ip: string;
  callee: string;
  caller: string;
  hold_ms: number;
  final_status: number;
  country: string;
}

interface PlannedCapture {
  file: string;
  config: string;
  calls: PlannedCall[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toPlan(v: unknown, file: string): PlannedCall {
  if (!isRecord(v)) throw new Error(`labels.yaml: ${file}: a call is not a map`);
  const s = (k: string): string => {
    const x = v[k];
    if (typeof x !== 'string' && typeof x !== 'number') throw new Error(`labels.yaml: ${file}: call.${k} missing`);
    return String(x);
  };
  return {
    phase: s('phase'),
    caller_ip: s('caller_ip'),
    callee: s('callee'),
    caller: s('caller'),
    hold_ms: Number(s('hold_ms')),
    final_status: Number(s('final_status')),
    country: s('country'),
  };
}

function loadPlans(): Map<string, PlannedCapture> {
  const doc: unknown = parse(readFileSync(join(FIXTURES, 'labels.yaml'), 'utf8'));
  if (!isRecord(doc) || !Array.isArray(doc.captures)) throw new Error('labels.yaml: no captures list');
  const out = new Map<string, PlannedCapture>();
  for (const c of doc.captures) {
    if (!isRecord(c) || typeof c.file !== 'string' || !Array.isArray(c.calls) || typeof c.config !== 'string') continue;
    const file = c.file;
    out.set(file, { file, config: c.config, calls: c.calls.map((x: unknown) => toPlan(x, file)) });
  }
  return out;
}

function callRecords(capture: PlannedCapture): CallRecord[] {
  const dir = tempDir('sipward-calls-');
  try {
    const out = join(dir, 'calls.jsonl');
    const args = ['analyze', join(FIXTURES, capture.file), '--config', capture.config, '--format', 'jsonl'];
    const r = runSipward([...args, '--calls', out], { maxBuffer: 64 * 1024 * 1024, timeoutMs: 120_000 });
    assert.equal(r.status, 0, `analyze --calls ${capture.file} exited ${String(r.status)}: ${r.stderr.slice(-2000)}`);
    return readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as CallRecord);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The outcome sipward gives a call that ended with this final status (schema/src/call-record.ts). */
function outcomeOf(status: number): CallRecord['outcome'] {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 487) return 'cancelled';
  if (status === 486 || status === 600) return 'busy';
  if (status >= 500 && status < 600) return 'failed';
  return 'rejected';
}

const plans = loadPlans();

/**
 * Captures whose every call comes from the plan (nothing else rings): the record count must equal
 * the plan. The others (fs-benign also holds an internal call with a transfer) need each planned
 * call to be there.
 */
const EXACT = new Set(['fs-toll-fraud.pcap', 'fs-wangiri.pcap']);

void test('labels.yaml carries the call plans of the fraud captures', () => {
  for (const f of ['fs-toll-fraud.pcap', 'fs-wangiri.pcap', 'fs-benign.pcap']) {
    const p = plans.get(f);
    assert.ok(p !== undefined && p.calls.length > 0, `${f}: no call plan in labels.yaml (scripts/testbed fs38)`);
  }
  const fraud = plans.get('fs-toll-fraud.pcap');
  assert.ok(fraud !== undefined);
  // The scenario's three phases: a burst, concurrent calls, sequential short calls.
  assert.deepEqual([...new Set(fraud.calls.map((c) => c.phase))], ['burst', 'concurrent', 'sequential']);
});

for (const file of ['fs-toll-fraud.pcap', 'fs-wangiri.pcap', 'fs-benign.pcap']) {
  void test(`${file}: analyze --calls gives each planned call its status, country and duration`, () => {
    const plan = plans.get(file);
    assert.ok(plan !== undefined, `${file}: no call plan`);
    const records = callRecords(plan);
    if (EXACT.has(file)) assert.equal(records.length, plan.calls.length, `${file}: one record per planned call`);
    for (const want of plan.calls) {
      const what = `${file} ${want.phase}: ${want.caller} → ${want.callee}`;
      const hits = records.filter(
        (r) =>
          r.callee.request_uri_user === want.callee && r.caller.user === want.caller && r.caller.ip === want.caller_ip,
      );
      assert.equal(hits.length, 1, `${what}: ${hits.length} call records`);
      const got = hits[0];
      assert.ok(got !== undefined);
      assert.equal(got.final_status, want.final_status, `${what}: final status`);
      assert.equal(got.outcome, outcomeOf(want.final_status), `${what}: outcome`);
      // "none": a non-geographic number (satellite, international network) belongs to no country.
      if (want.country === 'none') assert.equal(got.callee.country, undefined, `${what}: no country`);
      else if (want.country !== '-') assert.equal(got.callee.country, want.country, `${what}: callee country`);
      if (got.outcome === 'answered') {
        const err = Math.abs(got.duration_s - want.hold_ms / 1000);
        assert.ok(err <= TOLERANCE_S, `${what}: duration ${got.duration_s} s, planned ${want.hold_ms} ms (±50 ms)`);
        assert.equal(got.ended_by, 'caller', `${what}: the caller hangs up`);
      } else {
        assert.equal(got.duration_s, 0, `${what}: an unanswered call lasts 0 s`);
      }
    }
  });
}
