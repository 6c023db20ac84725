// The dialog state machine on literal event sequences: one record per INVITE dialog, with the
// right outcome, status, end, duration and media.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRecord } from '../../../schema/src/call-record';
import type { SipEvent, SipFields } from '../../../schema/src/sip-event';
import { sipEvent } from '../engine/test-events';
import { CallTracker, type CallTrackerOptions } from './call-tracker';

const CALLER = '10.0.0.1';
const CALLEE = '10.0.0.2';
const CALLER_TAG = 'tagA';
const CALLEE_TAG = 'tagB';

function iso(t: number): string {
  return new Date(Date.parse('2026-01-01T00:00:00Z') + t * 1000).toISOString().replace('Z', '000Z');
}

function sdp(ip: string, port: number): SipFields['sdp'] {
  return { connection_ip: ip, media: [{ type: 'audio', port }], has_crypto: false };
}

interface Msg {
  callId?: string;
  /** Direction: 'out' caller → callee, 'in' callee → caller. */
  dir: 'out' | 'in';
  seq?: number;
  sdp?: SipFields['sdp'];
  /** The dialog's To tag is known (in-dialog request, or a response after 100). */
  toTag?: boolean;
  auth?: string;
}

/** A request. In-dialog requests from the callee swap the tags, as real UAs do. */
function req(t: number, method: string, m: Msg): SipEvent {
  const fromCallee = m.dir === 'in';
  const toTag = m.toTag === true ? (fromCallee ? CALLER_TAG : CALLEE_TAG) : undefined;
  return sipEvent({
    t,
    src: fromCallee ? CALLEE : CALLER,
    dst: fromCallee ? CALLER : CALLEE,
    sip: {
      type: 'request',
      method,
      call_id: m.callId ?? 'call-1',
      cseq: { seq: m.seq ?? 1, method },
      request_uri_user: fromCallee ? 'alice' : '+442079460000',
      request_uri_host: 'example.net',
      from: fromCallee
        ? { user: 'bob', host: 'example.net', tag: CALLEE_TAG }
        : { user: 'alice', host: 'example.com', display_name: 'Alice', tag: CALLER_TAG },
      to: fromCallee
        ? { user: 'alice', host: 'example.com', ...(toTag !== undefined ? { tag: toTag } : {}) }
        : { user: '+442079460000', host: 'example.net', ...(toTag !== undefined ? { tag: toTag } : {}) },
      via: [{ host: fromCallee ? CALLEE : CALLER }, { host: '192.0.2.9' }],
      user_agent: fromCallee ? 'callee-ua' : 'caller-ua',
      ...(m.sdp !== undefined ? { sdp: m.sdp } : {}),
      ...(m.auth !== undefined ? { auth: { scheme: 'Digest', username: m.auth } } : {}),
    },
  });
}

/** The response to `request` (same Call-ID, tags and CSeq, reversed addresses). */
function res(request: SipEvent, t: number, status: number, opts: { sdp?: SipFields['sdp'] } = {}): SipEvent {
  const rs = request.sip;
  const addTag = status > 100 && rs.to?.tag === undefined;
  const toTag = rs.from?.tag === CALLER_TAG ? CALLEE_TAG : CALLER_TAG;
  return sipEvent({
    t,
    src: request.destination.ip,
    dst: request.source.ip,
    sip: {
      type: 'response',
      status_code: status,
      ...(rs.call_id !== undefined ? { call_id: rs.call_id } : {}),
      ...(rs.cseq !== undefined ? { cseq: rs.cseq } : {}),
      ...(rs.from !== undefined ? { from: rs.from } : {}),
      to: { ...rs.to, ...(addTag ? { tag: toTag } : {}) },
      ...(opts.sdp !== undefined ? { sdp: opts.sdp } : {}),
    },
  });
}

function run(events: SipEvent[], opts: Omit<CallTrackerOptions, 'onCall'> = {}, flush = true): CallRecord[] {
  const records: CallRecord[] = [];
  const tracker = new CallTracker({ ...opts, onCall: (r) => records.push(r) });
  for (const e of events) tracker.process(e);
  if (flush) tracker.flush();
  return records;
}

function only(records: CallRecord[]): CallRecord {
  assert.equal(records.length, 1, JSON.stringify(records));
  const r = records[0];
  assert.ok(r !== undefined);
  return r;
}

void test('answered call ended by the callee: duration from 200 OK to BYE', () => {
  const invite = req(0, 'INVITE', { dir: 'out', sdp: sdp('10.0.0.1', 4000) });
  const bye = req(62.5, 'BYE', { dir: 'in', toTag: true });
  const r = only(
    run([
      invite,
      res(invite, 0.01, 100),
      res(invite, 0.5, 180),
      res(invite, 2, 200, { sdp: sdp('10.0.0.2', 5000) }),
      req(2.01, 'ACK', { dir: 'out', toTag: true }),
      bye,
      res(bye, 62.51, 200),
    ]),
  );
  assert.equal(r.event.dataset, 'sipward.call');
  assert.equal(r.event.kind, 'event');
  assert.match(r.event.id, /^[0-9a-f]{32}$/);
  assert.equal(r['@timestamp'], iso(0));
  assert.equal(r.start, iso(0));
  assert.equal(r.answer, iso(2));
  assert.equal(r.end, iso(62.5));
  assert.equal(r.duration_s, 60.5);
  assert.equal(r.setup_ms, 2000);
  assert.equal(r.final_status, 200);
  assert.equal(r.outcome, 'answered');
  assert.equal(r.ended_by, 'callee');
  assert.equal(r.expired, undefined);
  assert.deepEqual(r.caller, {
    user: 'alice',
    host: 'example.com',
    display_name: 'Alice',
    ip: CALLER,
    port: 5060,
    user_agent: 'caller-ua',
  });
  assert.equal(r.callee.request_uri_user, '+442079460000');
  assert.equal(r.callee.e164, '442079460000');
  assert.equal(r.callee.country, 'GB');
  assert.deepEqual(r.path, [CALLER, '192.0.2.9']);
  assert.deepEqual(r.media, { caller_ip: '10.0.0.1', caller_port: 4000, callee_ip: '10.0.0.2', callee_port: 5000 });
  assert.deepEqual(r.alert_ids, []);
  // Same input, same id: re-processing upserts.
  assert.equal(only(run([invite, res(invite, 2, 200), bye])).event.id, r.event.id);
});

void test('BYE from the caller is ended_by caller', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const r = only(run([invite, res(invite, 1, 200), req(11, 'BYE', { dir: 'out', seq: 2, toTag: true })]));
  assert.equal(r.ended_by, 'caller');
  assert.equal(r.duration_s, 10);
});

void test('busy: 486 ends the call, unanswered, duration 0', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const r = only(
    run([invite, res(invite, 0.1, 100), res(invite, 0.25, 486), req(0.3, 'ACK', { dir: 'out', toTag: true })]),
  );
  assert.equal(r.outcome, 'busy');
  assert.equal(r.final_status, 486);
  assert.equal(r.duration_s, 0);
  assert.equal(r.setup_ms, 250);
  assert.equal(r.answer, undefined);
  assert.equal(r.end, iso(0.25));
  assert.equal(r.ended_by, 'callee');
});

void test('cancelled: CANCEL then 487, end at the CANCEL', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const cancel = req(5, 'CANCEL', { dir: 'out' });
  const r = only(run([invite, res(invite, 1, 180), cancel, res(cancel, 5.01, 200), res(invite, 5.02, 487)]));
  assert.equal(r.outcome, 'cancelled');
  assert.equal(r.final_status, 487);
  assert.equal(r.ended_by, 'cancel');
  assert.equal(r.end, iso(5));
  assert.equal(r.duration_s, 0);
  assert.equal(r.expired, undefined);
});

void test('unanswered call with no final response expires as timeout after setupTimeoutS, in event time', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const later = req(200, 'INVITE', { dir: 'out', callId: 'call-2' });
  const records = run([invite, res(invite, 1, 180), later], { setupTimeoutS: 180 }, false);
  const r = only(records);
  assert.equal(r.call_id, 'call-1');
  assert.equal(r.outcome, 'timeout');
  assert.equal(r.expired, true);
  assert.equal(r.ended_by, 'expired');
  assert.equal(r.final_status, undefined);
  assert.equal(r.end, new Date(Date.parse('2026-01-01T00:00:00Z') + 181_000).toISOString());
  assert.equal(r.duration_s, 0);
});

void test('answered call without BYE expires after idleTimeoutS; at end of input it is flushed as expired', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const events = [invite, res(invite, 1, 200), req(1.5, 'ACK', { dir: 'out', toTag: true })];
  const timedOut = only(
    run([...events, req(100, 'OPTIONS', { dir: 'out', callId: 'x' })], { idleTimeoutS: 60 }, false),
  );
  assert.equal(timedOut.outcome, 'answered');
  assert.equal(timedOut.expired, true);
  assert.equal(timedOut.ended_by, 'expired');
  assert.equal(timedOut.duration_s, 60.5, 'answer (t=1) → last message (t=1.5) + 60 s');

  const flushed = only(run([...events, req(30, 'OPTIONS', { dir: 'out', callId: 'x' })]));
  assert.equal(flushed.expired, true);
  assert.equal(flushed.ended_by, 'expired');
  assert.equal(flushed.duration_s, 29, 'up at least until the last event of the input (t=30)');
});

void test('a retransmitted INVITE does not create a second call', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const again = req(0.5, 'INVITE', { dir: 'out' });
  const r = only(
    run([
      invite,
      again,
      res(invite, 1, 180),
      again,
      res(invite, 3, 200),
      req(4, 'BYE', { dir: 'out', seq: 2, toTag: true }),
    ]),
  );
  assert.equal(r.start, iso(0));
  assert.equal(r.setup_ms, 3000);
  assert.equal(r.duration_s, 1);
});

void test('a re-INVITE updates the media without creating a call; a re-INVITE from the callee too', () => {
  const invite = req(0, 'INVITE', { dir: 'out', sdp: sdp('10.0.0.1', 4000) });
  const reinvite = req(10, 'INVITE', { dir: 'out', seq: 2, toTag: true, sdp: sdp('10.0.0.99', 7000) });
  const fromCallee = req(20, 'INVITE', { dir: 'in', seq: 1, toTag: true, sdp: sdp('10.0.0.88', 9000) });
  const r = only(
    run([
      invite,
      res(invite, 1, 200, { sdp: sdp('10.0.0.2', 5000) }),
      reinvite,
      res(reinvite, 10.1, 200, { sdp: sdp('10.0.0.2', 8000) }),
      fromCallee,
      res(fromCallee, 20.1, 200, { sdp: sdp('10.0.0.98', 7100) }),
      req(30, 'BYE', { dir: 'out', seq: 3, toTag: true }),
    ]),
  );
  assert.equal(r.outcome, 'answered');
  assert.equal(r.answer, iso(1));
  assert.equal(r.duration_s, 29);
  assert.deepEqual(r.media, { caller_ip: '10.0.0.98', caller_port: 7100, callee_ip: '10.0.0.88', callee_port: 9000 });
});

void test('a 407 challenge and the authenticated INVITE are one call', () => {
  const invite = req(0, 'INVITE', { dir: 'out' });
  const authed = req(0.2, 'INVITE', { dir: 'out', seq: 2, auth: 'alice-acct' });
  const r = only(
    run([
      invite,
      res(invite, 0.1, 407),
      req(0.15, 'ACK', { dir: 'out', toTag: true }),
      authed,
      res(authed, 2, 200),
      req(12, 'BYE', { dir: 'out', seq: 3, toTag: true }),
    ]),
  );
  assert.equal(r.outcome, 'answered');
  assert.equal(r.caller.auth_user, 'alice-acct');
  assert.equal(r.setup_ms, 2000);
  assert.equal(r.duration_s, 10);

  const unanswered = only(run([invite, res(invite, 0.1, 407)]));
  assert.equal(unanswered.outcome, 'rejected');
  assert.equal(unanswered.final_status, 407);
  assert.equal(unanswered.expired, undefined);
});

void test('final statuses map to outcomes', () => {
  for (const [status, outcome] of [
    [404, 'rejected'],
    [403, 'rejected'],
    [480, 'no_answer'],
    [408, 'no_answer'],
    [600, 'busy'],
    [503, 'failed'],
  ] as const) {
    const invite = req(0, 'INVITE', { dir: 'out' });
    assert.equal(only(run([invite, res(invite, 1, status)])).outcome, outcome, String(status));
  }
});

void test('alerts link by Call-ID while the call is held, once per alert', () => {
  const records: CallRecord[] = [];
  const tracker = new CallTracker({ onCall: (r) => records.push(r) });
  const invite1 = req(0, 'INVITE', { dir: 'out' });
  const invite2 = req(0.5, 'INVITE', { dir: 'out', callId: 'call-2' });
  const busy2 = res(invite2, 0.6, 486);
  for (const e of [invite1, invite2, busy2]) tracker.process(e);
  assert.equal(tracker.linkCall('alert-a', 'call-1'), true);
  assert.equal(tracker.linkCall('alert-a', 'call-1'), true);
  assert.equal(tracker.linkCall('alert-b', 'call-1'), true);
  assert.equal(tracker.linkCall('alert-b', 'call-2'), true, 'an ended call lingers and still links');
  assert.equal(tracker.linkCall('alert-c', 'register-call'), false, 'not an INVITE dialog');
  tracker.flush();
  const byId = new Map(records.map((r) => [r.call_id, r.alert_ids]));
  assert.deepEqual(byId.get('call-1'), ['alert-a', 'alert-b']);
  assert.deepEqual(byId.get('call-2'), ['alert-b']);
  assert.equal(tracker.stats().alert_links, 3);
  assert.equal(tracker.linkCall('alert-d', 'call-1'), false, 'an emitted call is no longer reachable');
});

void test('a full table emits the least recently active call early, marked expired', () => {
  const records: CallRecord[] = [];
  const tracker = new CallTracker({ maxCalls: 1, onCall: (r) => records.push(r) });
  tracker.process(req(0, 'INVITE', { dir: 'out' }));
  tracker.process(req(1, 'INVITE', { dir: 'out', callId: 'call-2' }));
  assert.equal(records.length, 1, 'call-1 evicted and emitted');
  assert.equal(records[0]?.call_id, 'call-1');
  assert.equal(records[0]?.expired, true);
  assert.equal(records[0]?.outcome, 'unknown');
  tracker.flush();
  assert.equal(records.length, 2);
  assert.deepEqual(tracker.stats(), {
    calls: 2,
    open: 0,
    evictions: 1,
    expired: 2,
    alert_links: 0,
  });
});

void test('ended calls linger, then leave in event time; a late retransmitted BYE creates nothing', () => {
  const records: CallRecord[] = [];
  const tracker = new CallTracker({ lingerS: 32, onCall: (r) => records.push(r) });
  const invite = req(0, 'INVITE', { dir: 'out' });
  for (const e of [invite, res(invite, 1, 200), req(5, 'BYE', { dir: 'out', seq: 2, toTag: true })]) tracker.process(e);
  tracker.process(req(30, 'BYE', { dir: 'out', seq: 2, toTag: true }));
  assert.equal(records.length, 0, 'still lingering at t=30');
  tracker.process(req(40, 'OPTIONS', { dir: 'out', callId: 'other' }));
  assert.equal(records.length, 1);
  assert.equal(records[0]?.end, iso(5));
  tracker.process(req(41, 'BYE', { dir: 'out', seq: 2, toTag: true }));
  tracker.flush();
  assert.equal(records.length, 1);
});

void test('an idle stream releases ended calls despite a long linger, and leaves a ringing call alone', () => {
  const records: CallRecord[] = [];
  // A linger as long as FRD-04's 10 min window, as analyze and the pipeline configure it.
  const tracker = new CallTracker({ lingerS: 600, setupTimeoutS: 180, onCall: (r) => records.push(r) });
  const ended = req(0, 'INVITE', { dir: 'out' });
  for (const e of [ended, res(ended, 1, 200), req(5, 'BYE', { dir: 'out', seq: 2, toTag: true })]) tracker.process(e);
  const ringing = req(6, 'INVITE', { dir: 'out', callId: 'ringing' });
  tracker.process(ringing);
  tracker.process(res(ringing, 7, 180));
  tracker.advance(Date.parse('2026-01-01T00:00:10Z') + 32_000);
  assert.equal(records.length, 0, 'advancing by the old 32 s grace releases nothing under a 600 s linger');
  tracker.releaseIdle(Date.parse('2026-01-01T00:00:10Z'), 32_000);
  assert.deepEqual(
    records.map((r) => r.call_id),
    ['call-1'],
    'the ended call goes out; the ringing one stays',
  );
  tracker.flush();
  assert.equal(records.length, 2);
});
