import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent, SipFields } from '../../../schema/src/sip-event';
import { DialogTable, emptyDialogInfo, resetDialogInfo, routeHosts, type DialogInfo } from './dialog-table';

const A = '10.0.0.1'; // caller phone
const B = '10.0.0.2'; // callee phone
const X = '10.0.0.9'; // proxy
const T = '192.0.2.66'; // third party

interface Spec {
  src: string;
  dst: string;
  sip: Partial<SipFields> & Pick<SipFields, 'type'>;
}

function ev(spec: Spec): SipEvent {
  return {
    '@timestamp': '2026-01-01T00:00:00.000000Z', // the table takes time from its nowMs argument
    event: { id: 'e', kind: 'event', dataset: 'sipward.sip' },
    source: { ip: spec.src, port: 5060 },
    destination: { ip: spec.dst, port: 5060 },
    network: { transport: 'udp', protocol: 'sip' },
    sip: { size: 300, ...spec.sip },
  };
}

function sdp(ip: string): SipFields['sdp'] {
  return { connection_ip: ip, media: [{ type: 'audio', port: 4000 }], has_crypto: false };
}

interface CallOpts {
  callId?: string;
  from?: string; // source of caller-side requests
  to?: string; // destination of the initial INVITE
  callee?: string; // source of callee responses
  seq?: number;
  media?: string;
  auth?: string;
  branch?: string;
  via?: SipFields['via'];
  recordRoute?: string[];
}

/** A compact SIP scenario builder: caller tag "ft", callee tag "tt", Call-ID "c1". */
function call(o: CallOpts = {}) {
  const callId = o.callId ?? 'c1';
  const seq = o.seq ?? 1;
  const from = o.from ?? A;
  const callee = o.callee ?? B;
  const base = (src: string, dst: string, sip: Partial<SipFields> & Pick<SipFields, 'type'>): SipEvent =>
    ev({ src, dst, sip: { call_id: callId, ...sip } });
  return {
    invite: (extra: Partial<SipFields> = {}) =>
      base(from, o.to ?? callee, {
        type: 'request',
        method: 'INVITE',
        request_uri_user: '0044123456',
        from: { user: '1001', tag: 'ft' },
        to: { user: '0044123456' },
        cseq: { seq, method: 'INVITE' },
        via: o.via ?? [{ host: from, branch: o.branch ?? `b${seq}` }],
        ...(o.media !== undefined ? { sdp: sdp(o.media) } : {}),
        ...(o.auth !== undefined ? { auth: { username: o.auth } } : {}),
        ...(o.recordRoute !== undefined ? { record_route: o.recordRoute } : {}),
        ...extra,
      }),
    response: (status: number, extra: Partial<SipFields> = {}, method = 'INVITE', rseq = seq) =>
      base(callee, from, {
        type: 'response',
        status_code: status,
        from: { user: '1001', tag: 'ft' },
        to: { user: '0044123456', ...(status > 100 ? { tag: 'tt' } : {}) },
        cseq: { seq: rseq, method },
        via: [{ host: from, branch: `b${rseq}` }],
        ...extra,
      }),
    /** An in-dialog request from the caller side (From ft, To tt). */
    callerReq: (method: string, src = from, extra: Partial<SipFields> = {}, cseq = seq + 1) =>
      base(src, callee, {
        type: 'request',
        method,
        from: { user: '1001', tag: 'ft' },
        to: { user: '0044123456', tag: 'tt' },
        cseq: { seq: method === 'ACK' || method === 'CANCEL' ? seq : cseq, method },
        via: [{ host: src, branch: `x${method}${cseq}` }],
        ...extra,
      }),
    /** An in-dialog request from the callee side (From tt, To ft). */
    calleeReq: (method: string, src = callee, extra: Partial<SipFields> = {}, cseq = 1) =>
      base(src, from, {
        type: 'request',
        method,
        from: { user: '0044123456', tag: 'tt' },
        to: { user: '1001', tag: 'ft' },
        cseq: { seq: cseq, method },
        via: [{ host: src, branch: `y${method}${cseq}` }],
        ...extra,
      }),
  };
}

function run(table: DialogTable, e: SipEvent, tS: number, retransmission = false): DialogInfo {
  const out = emptyDialogInfo();
  table.observe(e, tS * 1000, retransmission, out);
  return out;
}

void test('answered call with BYE from the callee: start, answer, end with duration', () => {
  const t = new DialogTable();
  const c = call({ media: '10.0.0.1' });
  const inv = run(t, c.invite(), 0);
  assert.equal(inv.known, true);
  assert.equal(inv.initial, true);
  assert.equal(inv.event, 'start');
  assert.equal(inv.state, 'early');
  assert.equal(inv.answered, false);
  assert.equal(inv.caller_ip, A);
  assert.equal(inv.callee_ip, undefined);
  assert.equal(inv.caller_user, '1001');
  assert.equal(inv.callee_user, '0044123456');
  assert.equal(inv.account, '1001');
  assert.equal(inv.from_party, undefined, 'the initial INVITE is not an in-dialog request');

  const ringing = run(t, c.response(180), 0.5);
  assert.equal(ringing.callee_ip, B);
  assert.equal(ringing.event, undefined);
  const ok = run(t, c.response(200, { sdp: sdp(B) }), 10);
  assert.equal(ok.event, 'answer');
  assert.equal(ok.state, 'confirmed');
  assert.equal(ok.answered, true);
  assert.equal(ok.media_changed, undefined, 'first SDP of the callee side');
  const okAgain = run(t, c.response(200, { sdp: sdp(B) }), 10.5, true);
  assert.equal(okAgain.event, undefined, 'a resent 200 is not a second answer');
  const ack = run(t, c.callerReq('ACK'), 10.6);
  assert.equal(ack.from_party, true);

  const bye = run(t, c.calleeReq('BYE'), 70.25);
  assert.equal(bye.event, 'end');
  assert.equal(bye.state, 'terminated');
  assert.equal(bye.from_party, true);
  assert.equal(bye.duration_s, 60.25);
  assert.equal(bye.ring_s, undefined);
  assert.equal(bye.age_s, 70.25);

  const byeOk = run(t, c.response(200, {}, 'BYE', 1), 70.3);
  assert.equal(byeOk.known, true, 'the 200 to BYE still belongs during the linger');
  assert.equal(byeOk.event, undefined);
  const byeAgain = run(t, c.calleeReq('BYE'), 70.8, true);
  assert.equal(byeAgain.event, undefined, 'never a second end');
  assert.equal(byeAgain.state, 'terminated');
});

void test('CANCEL before answer ends the call with ring_s; a stranger CANCEL is not from the caller side', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(180), 1);
  const strangerCancel = run(t, c.callerReq('CANCEL', B), 3); // the callee may not CANCEL
  assert.equal(strangerCancel.from_party, false);
  assert.equal(strangerCancel.known, true);
  assert.equal(strangerCancel.event, undefined, "a non-party's CANCEL ends nothing");
  assert.equal(strangerCancel.state, 'early');
  assert.equal(strangerCancel.ring_s, undefined);
  const realCancel = run(t, c.callerReq('CANCEL'), 4);
  assert.equal(realCancel.event, 'end', "the caller's CANCEL after it is the end");
  assert.equal(realCancel.ring_s, 4);

  const t2 = new DialogTable();
  run(t2, c.invite(), 0);
  run(t2, c.response(180), 1);
  const cancel = run(t2, c.callerReq('CANCEL'), 4.5);
  assert.equal(cancel.from_party, true);
  assert.equal(cancel.event, 'end');
  assert.equal(cancel.answered, false);
  assert.equal(cancel.ring_s, 4.5);
  assert.equal(cancel.duration_s, undefined);
  const r487 = run(t2, c.response(487), 4.6);
  assert.equal(r487.event, undefined, 'the 487 after the CANCEL is no second end');
  assert.equal(r487.known, true);
});

void test('a 486 final response ends an unanswered call', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(100), 0.1);
  const busy = run(t, c.response(486), 2);
  assert.equal(busy.event, 'end');
  assert.equal(busy.answered, false);
  assert.equal(busy.ring_s, 2);
  assert.equal(busy.state, 'terminated');
  const ack = run(t, c.callerReq('ACK'), 2.1);
  assert.equal(ack.known, true);
  assert.equal(ack.event, undefined);
});

void test('an INVITE retransmission does not restart the dialog', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  const again = run(t, c.invite(), 0.5, true);
  assert.equal(again.known, true);
  assert.equal(again.initial, undefined);
  assert.equal(again.event, undefined);
  assert.equal(again.age_s, 0.5, 'age still counts from the first INVITE');
  assert.equal(t.size, 1);
});

void test('a resent INVITE of an unknown Call-ID creates nothing', () => {
  const t = new DialogTable();
  const out = run(t, call().invite(), 0, true);
  assert.equal(out.known, undefined);
  assert.equal(t.size, 0);
});

void test('a re-INVITE is not initial and carries from_party', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(200), 1);
  const reinv = run(t, c.callerReq('INVITE'), 30);
  assert.equal(reinv.initial, undefined);
  assert.equal(reinv.event, undefined);
  assert.equal(reinv.from_party, true);
  assert.equal(reinv.state, 'confirmed');
});

void test('third-party BYE from another IP is not from a party; the same BYE from the callee is', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(200), 1);
  const forged = run(t, c.calleeReq('BYE', T), 20);
  assert.equal(forged.from_party, false);
  assert.equal(forged.known, true);
  assert.equal(forged.event, undefined, 'a forged BYE does not end the dialog');
  assert.equal(forged.state, 'confirmed');
  assert.equal(forged.answered, true);
  assert.equal(forged.duration_s, undefined);
  const info = run(t, c.callerReq('INFO'), 30);
  assert.equal(info.state, 'confirmed', 'the call goes on');
  const bye = run(t, c.calleeReq('BYE'), 61.5);
  assert.equal(bye.from_party, true);
  assert.equal(bye.event, 'end', "the real party's later BYE ends it");
  assert.equal(bye.state, 'terminated');
  assert.equal(bye.duration_s, 60.5, 'duration measured from the answer to the real BYE');

  const t2 = new DialogTable();
  run(t2, c.invite(), 0);
  run(t2, c.response(200), 1);
  const real = run(t2, c.calleeReq('BYE'), 20);
  assert.equal(real.from_party, true);
  const callerBye = run(t2, c.callerReq('BYE'), 20.1);
  assert.equal(callerBye.from_party, true, 'the caller is a party too');
});

void test('a non-party request does not teach its hops: the stranger stays a stranger', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(200), 1);
  run(t, c.calleeReq('INFO', T, { contact: [{ host: T }] }), 5);
  assert.equal(run(t, c.calleeReq('BYE', T), 6).from_party, false);
});

void test('proxy topology with Record-Route: BYE from B to X and from X to A are from parties', () => {
  const t = new DialogTable();
  const rr = ['<sip:10.0.0.9;lr>'];
  // Leg 1: phone A → proxy X.
  const leg1 = call({ to: X, callee: X });
  const inv1 = run(t, leg1.invite(), 0);
  assert.equal(inv1.initial, true);
  // Leg 2: X relays to B with its own Via on top and a Record-Route (different branch: not a resend).
  const leg2 = call({
    from: X,
    callee: B,
    via: [
      { host: X, branch: 'px1' },
      { host: A, branch: 'b1' },
    ],
  });
  const inv2 = run(t, leg2.invite({ record_route: rr }), 0.01);
  assert.equal(inv2.initial, undefined, 'the relayed leg is the same dialog');
  assert.equal(inv2.caller_ip, A);
  run(t, leg2.response(200, { record_route: rr, contact: [{ host: B }] }), 2);
  const ok1 = run(t, leg1.response(200, { record_route: rr, contact: [{ host: B }] }), 2.01);
  assert.equal(ok1.answered, true);
  assert.equal(ok1.callee_ip, B, 'first response with a To-tag came from B on leg 2');
  // BYE from B → X, then X → A.
  const bye2 = run(t, leg2.calleeReq('BYE', B), 30);
  assert.equal(bye2.from_party, true);
  assert.equal(bye2.event, 'end');
  const bye1 = run(t, leg1.calleeReq('BYE', X), 30.01);
  assert.equal(bye1.from_party, true);
  assert.equal(bye1.event, undefined);
  // A third host with the right Call-ID and tags is not a party.
  assert.equal(run(t, leg1.calleeReq('BYE', T), 30.02).from_party, false);
});

void test('proxy topology seen only on the B side: Record-Route makes X a hop', () => {
  const t = new DialogTable();
  const c = call({ from: A, callee: B, recordRoute: ['<sip:proxy@10.0.0.9:5060;lr;transport=udp>'] });
  run(t, c.invite(), 0);
  run(t, c.response(200), 1);
  assert.equal(run(t, c.calleeReq('BYE', X), 9).from_party, true);
});

void test('media redirect in a re-INVITE to an unrelated IP sets media_changed and media_prev_ip', () => {
  const t = new DialogTable();
  const c = call({ media: '10.0.1.1' });
  run(t, c.invite(), 0);
  run(t, c.response(200, { sdp: sdp('10.0.2.2') }), 1);
  const redirect = run(t, c.calleeReq('INVITE', B, { sdp: sdp('198.51.100.77') }), 20);
  assert.equal(redirect.media_changed, true);
  assert.equal(redirect.media_prev_ip, '10.0.2.2');
  const again = run(t, c.calleeReq('INVITE', B, { sdp: sdp('198.51.100.77') }), 20.5, true);
  assert.equal(again.media_changed, undefined, 'the same address again is no new change');
});

void test('a forged re-INVITE cannot whitelist its media address through its own Contact', () => {
  const t = new DialogTable();
  const c = call({ media: '10.0.1.1' });
  run(t, c.invite(), 0);
  run(t, c.response(200, { sdp: sdp('10.0.2.2') }), 1);
  const out = run(t, c.calleeReq('INVITE', B, { sdp: sdp(T), contact: [{ host: T }] }), 20);
  assert.equal(out.media_changed, true);
});

void test('re-INVITE with new SDP at the callee own IP (hold, codec change) is not a media change', () => {
  const t = new DialogTable();
  const c = call({ media: '10.0.1.1' });
  run(t, c.invite(), 0);
  run(t, c.response(200, { sdp: sdp('10.0.2.2') }), 1);
  const own = run(t, c.calleeReq('INVITE', B, { sdp: sdp(B) }), 20);
  assert.equal(own.media_changed, undefined);
  const hold = run(t, c.calleeReq('INVITE', B, { sdp: sdp('0.0.0.0') }, 2), 25);
  assert.equal(hold.media_changed, undefined, 'c=0.0.0.0 is hold');
  const swap = run(t, c.calleeReq('INVITE', B, { sdp: sdp('10.0.1.1') }, 3), 30);
  assert.equal(swap.media_changed, undefined, "the other side's media address");
  const back = run(t, c.calleeReq('INVITE', B, { sdp: sdp('10.0.2.2') }, 4), 35);
  assert.equal(back.media_changed, undefined, 'an address the side offered before');
});

void test('the first SDP of a side never sets media_changed, even late', () => {
  const t = new DialogTable();
  const c = call(); // late offer: no SDP in the INVITE
  run(t, c.invite(), 0);
  run(t, c.response(200), 1);
  const first = run(t, c.callerReq('INVITE', A, { sdp: sdp('203.0.113.50') }), 5);
  assert.equal(first.media_changed, undefined);
});

void test('unanswered dialogs expire after 180 s idle, answered ones after 4 h, ended ones after the linger', () => {
  const t = new DialogTable();
  const c1 = call({ callId: 'u' });
  run(t, c1.invite(), 0);
  run(t, c1.response(180), 1);
  assert.equal(run(t, c1.response(180), 180).known, true, '179 s idle: still there');
  assert.equal(run(t, c1.response(183), 360.5).known, undefined, '180.5 s idle: gone');
  assert.equal(t.size, 0);

  const c2 = call({ callId: 'a' });
  run(t, c2.invite(), 1000);
  run(t, c2.response(200), 1001);
  assert.equal(run(t, c2.callerReq('INFO'), 1001 + 3 * 3600).known, true);
  assert.equal(run(t, c2.callerReq('INFO'), 1001 + 7 * 3600 + 1).known, undefined);

  const c3 = call({ callId: 'e' });
  run(t, c3.invite(), 100_000);
  run(t, c3.response(486), 100_001);
  assert.equal(run(t, c3.callerReq('ACK'), 100_020).known, true, 'messages inside the linger do not extend it');
  assert.equal(run(t, c3.callerReq('ACK'), 100_034).known, undefined);
  assert.equal(t.expired, 3);
});

void test('expiry is swept at the list heads without touching the dialog', () => {
  const t = new DialogTable(100, { unansweredTtlMs: 1000 });
  for (let i = 0; i < 5; i++) run(t, call({ callId: `s${i}` }).invite(), i * 0.01);
  assert.equal(t.size, 5);
  const reg = ev({ src: T, dst: B, sip: { type: 'request', method: 'REGISTER', call_id: 'reg' } });
  run(t, reg, 10);
  run(t, reg, 10.1);
  assert.equal(t.size, 0, 'removed by later unrelated events (4 per call)');
});

void test('the table is bounded: the least recently active dialog is evicted and counted', () => {
  const t = new DialogTable(3);
  for (let i = 0; i < 3; i++) run(t, call({ callId: `k${i}` }).invite(), i);
  run(t, call({ callId: 'k0' }).response(180), 3); // k0 is now more recent than k1
  run(t, call({ callId: 'k3' }).invite(), 4);
  assert.equal(t.size, 3);
  assert.equal(t.evictions, 1);
  assert.equal(run(t, call({ callId: 'k1' }).response(180), 5).known, undefined);
  assert.equal(run(t, call({ callId: 'k0' }).response(180), 5).known, true);
});

void test('an ended dialog is evicted before an active one', () => {
  const t = new DialogTable(2);
  const a = call({ callId: 'active' });
  const e = call({ callId: 'ended' });
  run(t, a.invite(), 0);
  run(t, e.invite(), 1);
  run(t, e.response(404), 2);
  run(t, call({ callId: 'new' }).invite(), 3);
  assert.equal(run(t, a.response(180), 4).known, true);
  assert.equal(run(t, e.callerReq('ACK'), 4).known, undefined);
});

/** Every dialog.event a scenario produced, in order. */
function eventsOf(outs: DialogInfo[]): string[] {
  return outs.flatMap((o) => (o.event === undefined ? [] : [o.event]));
}

void test('a challenged INVITE does not end; the authenticated retry continues the same dialog', () => {
  const t = new DialogTable();
  const c1 = call({ seq: 1, media: A });
  const c2 = call({ seq: 2, auth: 'acct-77', media: A });
  const outs: DialogInfo[] = [];
  const start = run(t, c1.invite(), 0);
  outs.push(start);
  assert.equal(start.event, 'start');
  const challenge = run(t, c1.response(407), 0.05);
  outs.push(challenge);
  assert.equal(challenge.event, undefined, 'a challenge is not the end');
  assert.equal(challenge.state, 'early');
  assert.equal(challenge.answered, false);
  assert.equal(challenge.ring_s, undefined);
  const ack = run(t, c1.callerReq('ACK'), 0.06);
  outs.push(ack);
  assert.equal(ack.from_party, true);
  assert.equal(ack.state, 'early');

  const retry = run(t, c2.invite(), 0.2);
  outs.push(retry);
  assert.equal(retry.known, true);
  assert.equal(retry.initial, undefined, 'the retry is not a new initial INVITE');
  assert.equal(retry.event, undefined, 'no second start');
  assert.equal(retry.account, 'acct-77', 'account from the retry Authorization username');
  assert.equal(retry.caller_user, '1001');
  assert.equal(retry.age_s, 0.2, 'age still counts from the first INVITE');
  assert.equal(retry.media_changed, undefined);
  assert.equal(t.size, 1);

  const ringing = run(t, c2.response(180), 1);
  outs.push(ringing);
  const late407 = run(t, c1.response(407), 1.5);
  outs.push(late407);
  assert.equal(late407.event, undefined, 'a resent 407 of the old transaction changes nothing');
  const ok = run(t, c2.response(200), 3);
  outs.push(ok);
  assert.equal(ok.event, 'answer', 'the 200 to CSeq 2 answers the dialog');
  assert.equal(ok.account, 'acct-77');
  outs.push(run(t, c2.callerReq('ACK'), 3.1));
  const bye = run(t, c2.callerReq('BYE'), 13);
  outs.push(bye);
  assert.equal(bye.event, 'end');
  assert.equal(bye.duration_s, 10);
  assert.deepEqual(eventsOf(outs), ['start', 'answer', 'end'], 'exactly one start, one answer, one end');
});

void test('the retry after a challenge: its 486 ends the call with ring_s from the first INVITE', () => {
  const t = new DialogTable();
  const c1 = call({ seq: 1 });
  const c2 = call({ seq: 2, auth: 'acct-1' });
  run(t, c1.invite(), 0);
  run(t, c1.response(401), 0.1);
  run(t, c2.invite(), 0.3);
  const busy = run(t, c2.response(486), 4);
  assert.equal(busy.event, 'end');
  assert.equal(busy.state, 'terminated');
  assert.equal(busy.ring_s, 4);
  assert.equal(busy.account, 'acct-1');
});

void test('a second challenge (wrong credentials) and a second retry still continue the one dialog', () => {
  const t = new DialogTable();
  const outs: DialogInfo[] = [];
  outs.push(run(t, call({ seq: 1 }).invite(), 0));
  outs.push(run(t, call({ seq: 1 }).response(407), 0.1));
  outs.push(run(t, call({ seq: 2, auth: 'wrong' }).invite(), 0.2));
  outs.push(run(t, call({ seq: 2 }).response(407), 0.3));
  const third = run(t, call({ seq: 3, auth: 'right' }).invite(), 0.4);
  outs.push(third);
  assert.equal(third.account, 'right');
  outs.push(run(t, call({ seq: 3 }).response(200), 2));
  assert.deepEqual(eventsOf(outs), ['start', 'answer']);
});

void test('a challenger is not the callee: callee_ip comes from the answer to the retry', () => {
  const t = new DialogTable();
  run(t, call({ seq: 1 }).invite(), 0);
  const challenge = run(t, call({ seq: 1, callee: X }).response(407), 0.05); // the proxy challenges
  assert.equal(challenge.callee_ip, undefined);
  run(t, call({ seq: 2, auth: 'acct' }).invite(), 0.2);
  assert.equal(run(t, call({ seq: 2 }).response(180), 1).callee_ip, B);
});

void test('only a challenged dialog takes a retry, and only from its caller with a higher CSeq', () => {
  // Not challenged: a higher-CSeq INVITE without To-tag does not replace the initial transaction.
  const t = new DialogTable();
  run(t, call({ seq: 1 }).invite(), 0);
  run(t, call({ seq: 2, auth: 'x' }).invite(), 0.1);
  assert.equal(run(t, call({ seq: 2 }).response(200), 1).event, undefined);

  // A stranger (unknown source and Via) cannot take over a challenged dialog or its account.
  const t2 = new DialogTable();
  run(t2, call({ seq: 1 }).invite(), 0);
  run(t2, call({ seq: 1 }).response(407), 0.1);
  const forged = run(t2, call({ seq: 2, from: T, via: [{ host: T, branch: 'f' }], auth: 'victim' }).invite(), 0.2);
  assert.equal(forged.account, '1001');
  assert.equal(run(t2, call({ seq: 2, callee: B }).response(200), 1).event, undefined);

  // Another From tag or a lower CSeq is no retry either; the real retry still is.
  run(t2, call({ seq: 5 }).invite({ from: { user: '1001', tag: 'other' } }), 0.3);
  run(t2, call({ seq: 0 }).invite(), 0.4);
  assert.equal(run(t2, call({ seq: 5 }).response(200), 1.1).event, undefined);
  const retry = run(t2, call({ seq: 3, auth: 'acct' }).invite(), 0.5);
  assert.equal(retry.account, 'acct');
  assert.equal(run(t2, call({ seq: 3 }).response(200), 2).event, 'answer');
});

void test('a forked 200 after a challenge on another fork answers the call', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(407), 0.1);
  assert.equal(run(t, c.response(200), 1).event, 'answer');
});

void test('a challenged dialog never retried expires silently after the unanswered TTL', () => {
  const t = new DialogTable();
  const c = call();
  const outs: DialogInfo[] = [];
  outs.push(run(t, c.invite(), 0));
  outs.push(run(t, c.response(407), 0.1));
  outs.push(run(t, c.callerReq('ACK'), 0.2));
  const before = run(t, c.callerReq('ACK'), 180.1);
  outs.push(before);
  assert.equal(before.known, true, 'still there 179.9 s after the last activity');
  assert.equal(before.state, 'early');
  const after = run(t, c.callerReq('ACK'), 360.2);
  outs.push(after);
  assert.equal(after.known, undefined, 'gone 180.1 s after the last activity');
  assert.equal(t.size, 0);
  assert.equal(t.expired, 1);
  assert.deepEqual(eventsOf(outs), ['start'], 'no end event for a challenge never retried');
});

void test('a non-party BYE before answer does not end the call', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  run(t, c.response(180), 1);
  const forged = run(t, c.calleeReq('BYE', T), 2);
  assert.equal(forged.from_party, false);
  assert.equal(forged.event, undefined);
  assert.equal(forged.state, 'early');
  assert.equal(run(t, c.response(200), 3).event, 'answer');
});

void test('events of other Call-IDs and non-dialog methods get no dialog fields', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  const opt = run(t, ev({ src: T, dst: B, sip: { type: 'request', method: 'OPTIONS', call_id: 'zz' } }), 1);
  assert.ok(Object.values(opt).every((v) => v === undefined));
  const noCallId = run(t, ev({ src: T, dst: B, sip: { type: 'request', method: 'OPTIONS' } }), 1);
  assert.equal(noCallId.known, undefined);
  const out = run(t, c.invite(), 0.1, true);
  resetDialogInfo(out);
  assert.ok(Object.values(out).every((v) => v === undefined));
});

void test('routeHosts extracts hosts from raw Record-Route values', () => {
  assert.deepEqual(routeHosts('<sip:10.0.0.9;lr>'), ['10.0.0.9']);
  assert.deepEqual(routeHosts('<sip:p1.example.com;lr>, <SIPS:user@P2.example.com:5061;lr>'), [
    'p1.example.com',
    'p2.example.com',
  ]);
  assert.deepEqual(routeHosts('"sipproxy" <sip:[2001:db8::1]:5060;lr>'), ['2001:db8::1']);
  assert.deepEqual(routeHosts('sip:10.1.1.1;lr'), ['10.1.1.1']);
  assert.deepEqual(routeHosts('garbage'), []);
});

void test('a CANCEL relayed by the proxy that relayed the INVITE is from the caller side', () => {
  const t = new DialogTable();
  const leg1 = call({ to: X, callee: X });
  const leg2 = call({
    from: X,
    callee: B,
    via: [
      { host: X, branch: 'px1' },
      { host: A, branch: 'b1' },
    ],
  });
  run(t, leg1.invite(), 0);
  run(t, leg2.invite(), 0.01);
  run(t, leg2.response(180), 0.5);
  const c1 = run(t, leg1.callerReq('CANCEL', A), 3);
  assert.equal(c1.from_party, true);
  assert.equal(c1.event, 'end');
  const c2 = run(t, leg2.callerReq('CANCEL', X), 3.01);
  assert.equal(c2.from_party, true);
  assert.equal(c2.event, undefined);
});

void test('a relayed INVITE leg from a stranger without a known Via does not make it a party', () => {
  const t = new DialogTable();
  const c = call();
  run(t, c.invite(), 0);
  const stranger = call({ from: T, via: [{ host: T, branch: 'zz' }] });
  assert.equal(run(t, stranger.invite(), 0.2).initial, undefined);
  run(t, c.response(180), 0.3);
  assert.equal(run(t, c.callerReq('CANCEL', T), 1).from_party, false);
});

void test("the callee's own CSeq 1 re-INVITE and its 200 are not the initial transaction", () => {
  const t = new DialogTable();
  const c = call({ media: '10.0.1.1' });
  run(t, c.invite(), 0);
  run(t, c.response(183, { sdp: sdp('10.0.2.2') }), 1);
  // Early UPDATE-like callee request with CSeq 1 in the callee's space, answered by the caller.
  const reply = ev({
    src: A,
    dst: B,
    sip: {
      type: 'response',
      status_code: 200,
      call_id: 'c1',
      from: { tag: 'tt' },
      to: { tag: 'ft' },
      cseq: { seq: 1, method: 'INVITE' },
    },
  });
  const out = run(t, reply, 2);
  assert.equal(out.event, undefined, 'not an answer to the initial INVITE');
  assert.equal(out.answered, false);
});
