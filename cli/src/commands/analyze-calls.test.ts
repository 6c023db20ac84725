// `sipward analyze --calls FILE` on a real testbed capture: the udp scenario has 2 answered calls,
// 1 busy (486) and 1 not found (404) (test/fixtures/captures/README.md). Durations are checked
// against the 200 OK and BYE timestamps `sipward decode` reports for the same capture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallRecord } from '../../../schema/src/call-record';
import type { SipEvent } from '../../../schema/src/sip-event';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { jsonLines, runSipward, type SipwardRun } from '../../../lib/src/test-support/run-sipward';

const CAPTURE = 'test/fixtures/captures/udp.pcap';

function sipward(args: string[]): SipwardRun {
  return runSipward(args, { timeoutMs: 60_000 });
}

/** "…T18:05:02.073270Z" → µs since the epoch, exactly (Date.parse keeps only ms). */
function micros(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  assert.ok(m !== null, ts);
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${m[1]}Z`) * 1000 + Number(fraction);
}

void test('analyze --calls on the udp testbed capture: one record per call, statuses and durations', () => {
  const out = join(tempDir(), 'calls.jsonl');
  const r = sipward(['analyze', CAPTURE, '--format', 'jsonl', '--calls', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /"calls":\{"calls":4,/);
  const calls = jsonLines<CallRecord>(readFileSync(out, 'utf8'));

  // The decoder's view of the same capture: when each INVITE was answered and each BYE sent.
  const events = jsonLines<SipEvent>(sipward(['decode', CAPTURE]).stdout);
  const answeredAt = new Map<string, string>();
  const byeAt = new Map<string, string>();
  for (const e of events) {
    const id = e.sip.call_id;
    if (id === undefined) continue;
    if (e.sip.status_code === 200 && e.sip.cseq?.method === 'INVITE' && !answeredAt.has(id))
      answeredAt.set(id, e['@timestamp']);
    if (e.sip.method === 'BYE' && !byeAt.has(id)) byeAt.set(id, e['@timestamp']);
  }
  const invites = new Set(events.filter((e) => e.sip.method === 'INVITE').map((e) => e.sip.call_id));
  assert.equal(calls.length, invites.size, 'one record per INVITE dialog');
  assert.equal(calls.length, 4);

  const summary = calls.map((c) => [c.outcome, c.final_status, c.callee.request_uri_user]);
  assert.deepEqual(
    summary.sort(),
    [
      ['answered', 200, 'bob'],
      ['answered', 200, 'bob'],
      ['busy', 486, 'carol'],
      ['rejected', 404, 'nobody'],
    ].sort(),
  );

  for (const c of calls) {
    assert.equal(c.event.dataset, 'sipward.call');
    assert.equal(c.expired, undefined, `${c.call_id} ended normally`);
    assert.equal(c.caller.user, 'alice');
    assert.equal(c.media.caller_ip, c.caller.ip);
    assert.ok(c.path.length >= 1);
    if (c.outcome === 'answered') {
      const answer = answeredAt.get(c.call_id);
      const bye = byeAt.get(c.call_id);
      assert.ok(answer !== undefined && bye !== undefined, c.call_id);
      assert.equal(c.answer, answer);
      assert.equal(c.end, bye);
      assert.equal(c.ended_by, 'caller');
      assert.ok(Math.abs(c.duration_s - (micros(bye) - micros(answer)) / 1e6) < 1e-6, `${c.call_id} duration`);
      assert.ok(c.duration_s > 0);
      assert.ok(c.media.callee_ip !== undefined);
    } else {
      assert.equal(c.duration_s, 0);
      assert.equal(c.answer, undefined);
      assert.equal(c.ended_by, 'callee');
    }
    assert.ok(c.setup_ms !== undefined && c.setup_ms > 0 && c.setup_ms < 1000);
  }

  // Same capture, same records (ids included): re-processing upserts.
  const again = join(tempDir(), 'calls.jsonl');
  assert.equal(sipward(['analyze', CAPTURE, '--format', 'jsonl', '--calls', again]).status, 0);
  assert.equal(readFileSync(again, 'utf8'), readFileSync(out, 'utf8'));
});

interface LinkedAlert {
  event: { id: string };
  rule: { id: string };
  sipward: { count: number; call_ids?: string[] };
}

/** Every alert names every call it counted (`sipward.call_ids`), and each of those calls names it back. */
function assertLinkedBothWays(alerts: LinkedAlert[], calls: CallRecord[]): number {
  const byCallId = new Map(calls.map((c) => [c.call_id, c]));
  let linked = 0;
  for (const a of alerts) {
    for (const callId of a.sipward.call_ids ?? []) {
      const call = byCallId.get(callId);
      if (call === undefined) continue; // REGISTER/OPTIONS Call-IDs: no INVITE dialog
      assert.ok(call.alert_ids.includes(a.event.id), `${a.rule.id} ${a.event.id} not on ${call.call_id}`);
      linked++;
    }
  }
  const alertIds = new Set(alerts.map((a) => a.event.id));
  for (const c of calls)
    for (const id of c.alert_ids) assert.ok(alertIds.has(id), `${id} on ${c.call_id} is not an alert`);
  return linked;
}

void test('analyze --calls links alerts and calls both ways (demo capture)', () => {
  const out = join(tempDir(), 'calls.jsonl');
  const r = sipward(['analyze', 'samples/demo-attacks.pcap', '--format', 'jsonl', '--calls', out]);
  assert.equal(r.status, 0, r.stderr);
  const linked = assertLinkedBothWays(
    jsonLines<LinkedAlert>(r.stdout),
    jsonLines<CallRecord>(readFileSync(out, 'utf8')),
  );
  assert.ok(linked > 0, 'the demo has INVITE-based alerts');
});

void test('toll fraud: every FRD alert links to every call it counted; numbers are typed, never country "001"', () => {
  const out = join(tempDir(), 'calls.jsonl');
  const r = sipward(['analyze', 'test/fixtures/attacks/fs-toll-fraud.pcap', '--format', 'jsonl', '--calls', out]);
  assert.equal(r.status, 0, r.stderr);
  const alerts = jsonLines<LinkedAlert>(r.stdout);
  const calls = jsonLines<CallRecord>(readFileSync(out, 'utf8'));
  assertLinkedBothWays(alerts, calls);
  const callIds = new Set(calls.map((c) => c.call_id));
  const frd = alerts.filter((a) => a.rule.id.startsWith('SIP-FRD-'));
  assert.ok(frd.length >= 4, `FRD alerts: ${frd.map((a) => a.rule.id).join(' ')}`);
  for (const a of frd) {
    const counted = (a.sipward.call_ids ?? []).filter((id) => callIds.has(id));
    // FRD-03's count is the peak of calls at once; every other FRD counts one call per unit.
    if (a.rule.id === 'SIP-FRD-03') assert.ok(counted.length >= a.sipward.count, a.rule.id);
    else assert.equal(counted.length, a.sipward.count, `${a.rule.id} links ${counted.length} of ${a.sipward.count}`);
  }
  for (const c of calls) {
    assert.notEqual(c.callee.country, '001', `${c.call_id}: an international network is not a country`);
    assert.ok(c.callee.number_type !== undefined, `${c.call_id}: number_type missing for +${c.callee.e164 ?? '?'}`);
  }
  assert.ok(calls.some((c) => c.callee.number_type === 'INTERNATIONAL_NETWORK'));
  assert.ok(calls.some((c) => c.callee.number_type === 'SATELLITE'));
});
