//! Builds the JSONL fixtures of the toll-fraud and account-identity signatures:
//! SIP-FRD-01..05, SIP-FRD-08, SIP-CLI-01, SIP-REG-02, SIP-REG-03.
//!
//!   npx tsx signatures/tools/make-fixtures-fraud.ts      (from the repository root)
//!
//! Same method as make-fixtures.ts: wire text → the collector's parser → SIP events, seeded PRNG,
//! fixed clock, so re-running rewrites identical files. Calls are built with their own clock each
//! (`dial`) and the fixture sorts events by time on write, so overlapping calls interleave as on
//! the wire. Addresses follow the fixture world (signatures/test-site.yaml): office phones in
//! 10.10.0.0/16 (internal), the proxy 198.51.100.20 (border), carrier-a 192.0.2.2 (trusted peer),
//! attackers in 203.0.113.0/24 (external). Numbers: UK Ofcom drama ranges (+44 20 7946 0xxx and
//! +44 161 496 0xxx are the operator's own; +44 113 496 0xxx an ordinary UK range), NANP 555-01xx,
//! and high-risk prefixes from signatures/lists/high-risk-destinations.tsv.

import { Clock, registerLogin } from '../../lib/src/test-support/capture/dialogs';
import { type Endpoint, type RequestSpec, UA, SDP } from '../../lib/src/test-support/capture/sip';
import type { Fixture } from './fixture-kit';
import { written, decodeCapture, writeEvents, PROXY, REGISTRAR, DOMAIN, fixtureFile, scenario } from './fixture-kit';

// ---------------------------------------------------------------------------------------------
// Building blocks

const CARRIER: Endpoint = { ip: '192.0.2.2', port: 5060 };
const PBX_BRANCH: Endpoint = { ip: '10.20.0.5', port: 5060 };
const phone = (n: number, net = 1): Endpoint => ({ ip: `10.10.${net}.${n}`, port: 5060 });
const attacker = (n: number): Endpoint => ({ ip: `203.0.113.${n}`, port: 5060 });

const SEC = 1_000_000;

interface DialOptions {
  /** From user (the calling account or number). */
  from: string;
  /** Request-URI user (the dialled number). */
  to: string;
  domain?: string;
  /** Digest username: the proxy challenges with 407 first, the retry carries Proxy-Authorization. */
  auth?: string;
  /** P-Asserted-Identity user. */
  pai?: string;
  extraHeaders?: string[];
  ua?: string;
  /** Ring time before the final answer or the CANCEL (default 3 s). */
  ringMs?: number;
  /** 'answer' (200, talk, BYE), 'cancel' (caller gives up) or a final failure/redirect status. */
  outcome: 'answer' | 'cancel' | number;
  talkMs?: number;
  /** The callee hangs up instead of the caller. */
  byeFromCallee?: boolean;
  /** Digest username on the (callee's or caller's) BYE: UAs that resend cached credentials. */
  byeAuth?: string;
  /** Contact of a 3xx. */
  redirectTo?: string;
}

interface DialResult {
  callId: string;
  invite: RequestSpec;
  toTag: string;
  /** Time of the 200 OK (answered calls). */
  answerUs?: number;
  /** Time of the last message. */
  endUs: number;
  /** CSeq the caller uses next in the dialog. */
  nextCseq: number;
}

/** A whole call on its own clock from `startUs`; events land in `f` (sorted on write). */
function dial(f: Fixture, startUs: number, caller: Endpoint, callee: Endpoint, o: DialOptions): DialResult {
  const r = f.r;
  const c = new Clock(startUs);
  const domain = o.domain ?? DOMAIN;
  const callId = `${r.hex(16)}@${caller.ip}`;
  const fromTag = r.hex(8);
  const ruri = `sip:${o.to}@${domain}`;
  let cseq = 1;
  const headers = [
    ...(o.pai !== undefined ? [`P-Asserted-Identity: <sip:${o.pai}@${domain}>`] : []),
    ...(o.extraHeaders ?? []),
  ];
  const invite = (auth: boolean): RequestSpec => ({
    method: 'INVITE',
    ruri,
    from: { user: o.from, host: domain, tag: fromTag },
    to: { user: o.to, host: domain },
    callId,
    cseq,
    branch: `z9hG4bK${r.hex(12)}`,
    via: caller,
    ...(o.ua !== undefined ? { userAgent: o.ua } : {}),
    ...(auth && o.auth !== undefined
      ? { auth: { username: o.auth, realm: domain, header: 'Proxy-Authorization' as const } }
      : {}),
    ...(headers.length > 0 ? { extraHeaders: headers } : {}),
    body: SDP(caller.ip, 10000 + 2 * r.int(0, 9999)),
  });
  if (o.auth !== undefined) {
    const q0 = invite(false);
    f.request(q0, callee, c.us);
    const challengeTag = r.hex(10);
    f.response(q0, 407, callee, c.advanceMs(2), { challenge: 'proxy', realm: domain, toTag: challengeTag });
    const ack: RequestSpec = { ...q0, method: 'ACK', to: { ...q0.to, tag: challengeTag } };
    delete ack.body;
    delete ack.extraHeaders;
    delete ack.userAgent;
    f.request(ack, callee, c.advanceMs(1));
    c.advanceMs(20);
    cseq = 2;
  }
  const q = invite(o.auth !== undefined);
  f.request(q, callee, c.us);
  f.response(q, 100, callee, c.advanceMs(3));
  const toTag = r.hex(10);
  const to = { ...q.to, tag: toTag };
  const ackFor = (branch: string, ackRuri: string): RequestSpec => ({
    method: 'ACK',
    ruri: ackRuri,
    from: q.from,
    to,
    callId,
    cseq,
    branch,
    via: caller,
  });
  const noRing = typeof o.outcome === 'number' && (o.outcome < 400 || [403, 404, 484, 503].includes(o.outcome));
  if (noRing) c.advanceMs(15);
  else {
    f.response(q, 180, callee, c.advanceMs(40), { toTag });
    c.advanceMs(o.ringMs ?? 3000);
  }
  if (o.outcome === 'cancel') {
    const cancel: RequestSpec = { ...q, method: 'CANCEL' };
    delete cancel.body;
    delete cancel.extraHeaders;
    delete cancel.auth;
    delete cancel.userAgent;
    f.request(cancel, callee, c.us);
    f.response(cancel, 200, callee, c.advanceMs(2));
    f.response(q, 487, callee, c.advanceMs(1), { toTag });
    f.request(ackFor(q.branch, ruri), callee, c.advanceMs(1));
    return { callId, invite: q, toTag, endUs: c.us, nextCseq: cseq + 1 };
  }
  if (o.outcome !== 'answer') {
    f.response(q, o.outcome, callee, c.us, {
      toTag,
      ...(o.redirectTo !== undefined ? { extraHeaders: [`Contact: <sip:${o.redirectTo}@${domain}>`] } : {}),
    });
    f.request(ackFor(q.branch, ruri), callee, c.advanceMs(1));
    return { callId, invite: q, toTag, endUs: c.us, nextCseq: cseq + 1 };
  }
  f.response(q, 200, callee, c.us, {
    toTag,
    extraHeaders: [`Contact: <sip:${o.to}@${callee.ip}:${callee.port}>`],
    body: SDP(callee.ip, 20000 + 2 * r.int(0, 9999)),
  });
  const answerUs = c.us;
  f.request(ackFor(`z9hG4bK${r.hex(12)}`, `sip:${o.to}@${callee.ip}`), callee, c.advanceMs(2));
  c.advanceMs(o.talkMs ?? 20000);
  const byeAuth =
    o.byeAuth !== undefined
      ? { auth: { username: o.byeAuth, realm: domain, header: 'Proxy-Authorization' as const } }
      : {};
  const bye: RequestSpec =
    o.byeFromCallee === true
      ? {
          method: 'BYE',
          ruri: `sip:${o.from}@${caller.ip}:${caller.port}`,
          from: to,
          to: q.from,
          callId,
          cseq: 1,
          branch: `z9hG4bK${r.hex(12)}`,
          via: callee,
          ...byeAuth,
        }
      : {
          method: 'BYE',
          ruri: `sip:${o.to}@${callee.ip}`,
          from: q.from,
          to,
          callId,
          // cseq + 1 is left for a mid-call request (REFER); CSeq only has to grow.
          cseq: cseq + 2,
          branch: `z9hG4bK${r.hex(12)}`,
          via: caller,
          ...byeAuth,
        };
  f.request(bye, o.byeFromCallee === true ? caller : callee, c.us);
  f.response(bye, 200, o.byeFromCallee === true ? caller : callee, c.advanceMs(3));
  return { callId, invite: q, toTag, answerUs, endUs: c.us, nextCseq: cseq + 3 };
}

/** An in-dialog REFER from the caller side of an answered call (blind transfer), answered 202. */
function refer(f: Fixture, d: DialResult, caller: Endpoint, callee: Endpoint, target: string, us: number): void {
  const q: RequestSpec = {
    method: 'REFER',
    ruri: `sip:${d.invite.to.user ?? ''}@${callee.ip}`,
    from: d.invite.from,
    to: { ...d.invite.to, tag: d.toTag },
    callId: d.callId,
    cseq: d.invite.cseq + 1,
    branch: `z9hG4bK${f.r.hex(12)}`,
    via: caller,
    extraHeaders: [
      `Contact: <sip:${d.invite.from.user ?? ''}@${caller.ip}:${caller.port}>`,
      `Refer-To: <sip:${target}@${DOMAIN}>`,
      `Referred-By: <sip:${d.invite.from.user ?? ''}@${DOMAIN}>`,
    ],
  };
  f.request(q, callee, us);
  f.response(q, 202, callee, us + 2000);
}

/**
 * One REGISTER transaction pair as a client does it: unauthenticated → 401 → with credentials →
 * `final`. `authUser` may differ from the AOR; `contact` '*' is the remove-all wildcard.
 */
function register(
  f: Fixture,
  c: Clock,
  client: Endpoint,
  o: {
    aor: string;
    authUser: string;
    expires: number;
    contact?: '*' | 'own';
    /** Contact-level ;expires instead of the Expires header. */
    contactExpires?: number;
    /** Contact address when it is not the client's own (removing another device's binding). */
    contactAt?: Endpoint;
    final?: number;
    ua?: string;
    callId?: string;
    challenge?: boolean;
  },
): void {
  const r = f.r;
  const callId = o.callId ?? `${r.hex(20)}@${client.ip}`;
  const fromTag = r.hex(8);
  let cseq = 1;
  const bound = o.contactAt ?? client;
  const contact =
    o.contact === '*'
      ? 'Contact: *'
      : `Contact: <sip:${o.aor}@${bound.ip}:${bound.port}>${o.contactExpires !== undefined ? `;expires=${o.contactExpires}` : ''}`;
  const reg = (auth: boolean): RequestSpec => ({
    method: 'REGISTER',
    ruri: `sip:${DOMAIN}`,
    from: { user: o.aor, host: DOMAIN, tag: fromTag },
    to: { user: o.aor, host: DOMAIN },
    callId,
    cseq: cseq++,
    branch: `z9hG4bK${r.hex(12)}`,
    via: client,
    ...(o.contactExpires === undefined ? { expires: o.expires } : {}),
    ...(o.ua !== undefined ? { userAgent: o.ua } : {}),
    ...(auth ? { auth: { username: o.authUser, realm: DOMAIN } } : {}),
    omit: ['Contact'],
    extraHeaders: [contact],
  });
  if (o.challenge !== false) {
    const q1 = reg(false);
    f.request(q1, REGISTRAR, c.us);
    f.response(q1, 401, REGISTRAR, c.advanceMs(2), { challenge: 'www', realm: DOMAIN });
    c.advanceMs(5);
  }
  const q2 = reg(true);
  f.request(q2, REGISTRAR, c.us);
  const final = o.final ?? 200;
  f.response(q2, final, REGISTRAR, c.advanceMs(2), {
    ...(final === 200 && o.contact !== '*' && o.expires > 0
      ? { extraHeaders: [`Contact: <sip:${o.aor}@${client.ip}:${client.port}>;expires=${o.expires}`] }
      : {}),
  });
}

/** A phone's periodic registration refreshes (first one challenged, as phones do). */
function refreshes(
  f: Fixture,
  start: string,
  client: Endpoint,
  user: string,
  every: number,
  times: number,
  ua: string,
): void {
  const c = Clock.at(start);
  const callId = `${f.r.hex(20)}@${client.ip}`;
  for (let i = 0; i < times; i++) {
    registerLogin(f, c, client, REGISTRAR, {
      user,
      domain: DOMAIN,
      final: 200,
      ua,
      server: UA.kamailio,
      callId,
      cseqStart: 1 + 2 * i,
      expires: every * 2,
    });
    c.advanceMs(every * 1000);
  }
}

/**
 * An out-of-dialog MESSAGE (pager-mode IM / SMS gateway) challenged with 407 and resent with
 * Proxy-Authorization for `authUser`, answered 202.
 */
function message(f: Fixture, c: Clock, client: Endpoint, o: { from: string; to: string; authUser: string }): void {
  const r = f.r;
  const callId = `${r.hex(16)}@${client.ip}`;
  const fromTag = r.hex(8);
  const text = 'Your code is 4711';
  const msg = (cseq: number, auth: boolean): RequestSpec => ({
    method: 'MESSAGE',
    ruri: `sip:${o.to}@${DOMAIN}`,
    from: { user: o.from, host: DOMAIN, tag: fromTag },
    to: { user: o.to, host: DOMAIN },
    callId,
    cseq,
    branch: `z9hG4bK${r.hex(12)}`,
    via: client,
    ...(auth ? { auth: { username: o.authUser, realm: DOMAIN, header: 'Proxy-Authorization' as const } } : {}),
    body: { type: 'text/plain', text },
  });
  const q1 = msg(1, false);
  f.request(q1, PROXY, c.us);
  f.response(q1, 407, PROXY, c.advanceMs(2), { challenge: 'proxy', realm: DOMAIN });
  const q2 = msg(2, true);
  f.request(q2, PROXY, c.advanceMs(10));
  f.response(q2, 202, PROXY, c.advanceMs(3));
}

const at = (iso: string): number => Clock.at(iso).us;
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

// ---------------------------------------------------------------------------------------------
// SIP-FRD-01 — high-risk destination

function frd01(): void {
  // Stolen credentials of 1001 used from the internet: two answered calls to Thuraya numbers.
  fixtureFile('fraud/SIP-FRD-01/positive/stolen-1001-calls-thuraya.jsonl', 3101, (f) => {
    const att = attacker(45);
    let t = at('2026-11-21T02:14:00Z');
    for (const n of ['+8821612345678', '+8821612345679']) {
      t = dial(f, t, att, PROXY, {
        from: '1001',
        to: n,
        auth: '1001',
        outcome: 'answer',
        talkMs: 45000,
        ua: UA.zoiper,
      }).endUs;
      t += 4 * SEC;
    }
  });
  // A hacked branch PBX (IP-authenticated trunk, From = trunk account) dials a UK premium-rate
  // number and an Iridium handset: two prefixes, two incidents.
  fixtureFile('fraud/SIP-FRD-01/positive/pbx-dials-premium-and-iridium.jsonl', 3102, (f) => {
    let t = at('2026-11-21T03:02:00Z');
    for (const n of ['+449098790123', '+881612345678', '+449098790124']) {
      t = dial(f, t, PBX_BRANCH, PROXY, {
        from: 'acme-trunk',
        to: n,
        outcome: 'answer',
        talkMs: 120000,
        ua: UA.asterisk,
      }).endUs;
      t += 2 * SEC;
    }
  });
  // Ordinary international business calls: Paris, New York (555-01xx), a German mobile.
  fixtureFile('fraud/SIP-FRD-01/negative/ordinary-international.jsonl', 3103, (f) => {
    let t = at('2026-11-23T10:05:00Z');
    for (const n of ['+33142685300', '+12125550142', '+4915112345678']) {
      t = dial(f, t, phone(12), PROXY, {
        from: '1002',
        to: n,
        auth: '1002',
        outcome: 'answer',
        talkMs: 90000,
        ua: UA.yealink,
      }).endUs;
      t += 30 * SEC;
    }
  });
  // National numbers (national and E.164 form) and an internal extension.
  fixtureFile('fraud/SIP-FRD-01/negative/national-and-extension.jsonl', 3104, (f) => {
    let t = at('2026-11-23T11:00:00Z');
    for (const n of ['02079460321', '+441134960123', '01614960777', '1003']) {
      t = dial(f, t, phone(12), PROXY, {
        from: '1002',
        to: n,
        auth: '1002',
        outcome: 'answer',
        talkMs: 60000,
        ua: UA.yealink,
      }).endUs;
      t += 20 * SEC;
    }
  });
  // Near miss: the satellite number is the *caller* of an inbound call, not the destination.
  fixtureFile('fraud/SIP-FRD-01/negative/inbound-from-satellite-caller.jsonl', 3105, (f) => {
    dial(f, at('2026-11-23T12:00:00Z'), CARRIER, PROXY, {
      from: '+8821612345678',
      to: '+442079460101',
      outcome: 'answer',
      talkMs: 30000,
      ua: UA.sbc,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-02 — call velocity per account

const INTL = ['+22236120', '+25261234', '+53521234', '+37120012', '+88216123', '+4915112'];

function frd02(): void {
  // Stolen account 1005: 40 challenged call attempts in under a minute, mostly refused by the
  // carrier — the 407 retry reuses the Call-ID, so each attempt counts once.
  fixtureFile('fraud/SIP-FRD-02/positive/stolen-account-40-attempts-per-minute.jsonl', 3201, (f) => {
    const att = attacker(45);
    let t = at('2026-11-21T01:30:00Z');
    for (let i = 0; i < 40; i++) {
      const prefix = f.r.pick(INTL);
      dial(f, t, att, PROXY, {
        from: '1005',
        to: `${prefix}${pad(f.r.int(0, 9999), 4)}`,
        auth: '1005',
        outcome: f.r.pick([503, 480, 404, 403]),
        ringMs: 800,
        ua: 'PortSIP VoIP SDK 11.2',
      });
      t += 1250 * 1000;
    }
  });
  // Contact-centre agents 2001-2003 dialling by hand: one attempt every ~20 s each, 10 minutes.
  fixtureFile('fraud/SIP-FRD-02/negative/call-centre-agents-pace.jsonl', 3202, (f) => {
    const start = at('2026-11-23T09:00:00Z');
    for (let a = 0; a < 3; a++) {
      let t = start + a * 7 * SEC;
      for (let i = 0; i < 30; i++) {
        const outcome = f.r.pick<'answer' | 'cancel' | number>(['answer', 'answer', 'cancel', 486]);
        dial(f, t, phone(21 + a, 2), PROXY, {
          from: String(2001 + a),
          to: `+44113496${pad(f.r.int(0, 9999), 4)}`,
          auth: String(2001 + a),
          outcome,
          ringMs: outcome === 'cancel' ? 9000 : 4000,
          talkMs: 8000,
          ua: UA.polycom,
        });
        t += 20 * SEC;
      }
    }
  });
  // Near miss: 19 attempts within 58 s from one account, then nothing for two minutes, then 5.
  fixtureFile('fraud/SIP-FRD-02/negative/19-attempts-in-a-minute.jsonl', 3203, (f) => {
    const start = at('2026-11-23T14:00:00Z');
    for (let i = 0; i < 24; i++) {
      const t = i < 19 ? start + i * 3200 * 1000 : start + 180 * SEC + (i - 19) * 3 * SEC;
      dial(f, t, phone(40), PROXY, {
        from: '1006',
        to: `+44113496${pad(i, 4)}`,
        auth: '1006',
        outcome: 480,
        ringMs: 1000,
        ua: UA.freeswitch,
      });
    }
  });
  // A busy branch PBX: 60 calls in one minute from one address, but spread over 30 users.
  fixtureFile('fraud/SIP-FRD-02/negative/busy-pbx-many-accounts.jsonl', 3204, (f) => {
    const start = at('2026-11-23T09:30:00Z');
    for (let i = 0; i < 60; i++) {
      dial(f, start + i * SEC, PBX_BRANCH, PROXY, {
        from: String(1100 + (i % 30)),
        to: `+44113496${pad(f.r.int(0, 9999), 4)}`,
        outcome: 'answer',
        ringMs: 4000,
        talkMs: 60000 + f.r.int(0, 120000),
        ua: UA.asterisk,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-03 — concurrent calls per account

function frd03(): void {
  // Stolen account 1007 opens 8 parallel answered calls to Iridium numbers, 20 minutes each.
  fixtureFile('fraud/SIP-FRD-03/positive/stolen-account-8-parallel-calls.jsonl', 3301, (f) => {
    const start = at('2026-11-21T00:40:00Z');
    for (let i = 0; i < 8; i++) {
      dial(f, start + i * 5 * SEC, attacker(47), PROXY, {
        from: '1007',
        to: `+8816123450${pad(10 + i, 2)}`,
        auth: '1007',
        outcome: 'answer',
        talkMs: 20 * 60000,
        ua: UA.zoiper,
      });
    }
  });
  // One user, ten calls back to back: each ends before the next starts.
  fixtureFile('fraud/SIP-FRD-03/negative/sequential-calls.jsonl', 3302, (f) => {
    let t = at('2026-11-23T10:00:00Z');
    for (let i = 0; i < 10; i++) {
      t = dial(f, t, phone(18), PROXY, {
        from: '1008',
        to: `+44113496${pad(100 + i, 4)}`,
        auth: '1008',
        outcome: 'answer',
        talkMs: 120000,
        ua: UA.yealink,
      }).endUs;
      t += 30 * SEC;
    }
  });
  // Near miss: a four-line office account with all four lines busy at once.
  fixtureFile('fraud/SIP-FRD-03/negative/four-lines-busy.jsonl', 3303, (f) => {
    const start = at('2026-11-23T11:00:00Z');
    for (let i = 0; i < 4; i++) {
      dial(f, start + i * 40 * SEC, phone(19), PROXY, {
        from: '1009',
        to: `+44113496${pad(200 + i, 4)}`,
        auth: '1009',
        outcome: 'answer',
        talkMs: 10 * 60000,
        ua: UA.grandstream,
      });
    }
  });
  // Near miss: 8 simultaneous call attempts that ring and are cancelled (ring-all hunt group
  // dialled through one account) — nothing is ever established.
  fixtureFile('fraud/SIP-FRD-03/negative/parallel-ringing-never-answered.jsonl', 3304, (f) => {
    const start = at('2026-11-23T12:00:00Z');
    for (let i = 0; i < 8; i++) {
      dial(f, start + i * 100 * 1000, PBX_BRANCH, PROXY, {
        from: '1010',
        to: `+44113496${pad(300 + i, 4)}`,
        outcome: 'cancel',
        ringMs: 15000,
        ua: UA.asterisk,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-04 — short answered calls to many numbers

function frd04(): void {
  // IRSF test calls: 12 consecutive Thuraya test numbers, each answered and dropped after ~2 s.
  fixtureFile('fraud/SIP-FRD-04/positive/irsf-test-calls.jsonl', 3401, (f) => {
    let t = at('2026-11-21T02:00:00Z');
    for (let i = 0; i < 12; i++) {
      t = dial(f, t, attacker(46), PROXY, {
        from: '1011',
        to: `+88216123450${pad(i, 2)}`,
        auth: '1011',
        outcome: 'answer',
        ringMs: 2000,
        talkMs: 1500 + f.r.int(0, 1500),
        ua: 'PortSIP VoIP SDK 11.2',
      }).endUs;
      t += 6 * SEC;
    }
  });
  // Normal call lengths: 12 calls of 40 s to 5 min.
  fixtureFile('fraud/SIP-FRD-04/negative/normal-call-lengths.jsonl', 3402, (f) => {
    let t = at('2026-11-23T09:00:00Z');
    for (let i = 0; i < 12; i++) {
      t = dial(f, t, phone(22), PROXY, {
        from: '1012',
        to: `+44113496${pad(400 + i, 4)}`,
        auth: '1012',
        outcome: 'answer',
        talkMs: 40000 + f.r.int(0, 260000),
        ua: UA.yealink,
      }).endUs;
      t += 10 * SEC;
    }
  });
  // Near miss: 9 short calls to distinct numbers within 10 minutes (voicemail pick-ups dropped).
  fixtureFile('fraud/SIP-FRD-04/negative/nine-short-calls.jsonl', 3403, (f) => {
    let t = at('2026-11-23T15:00:00Z');
    for (let i = 0; i < 9; i++) {
      t = dial(f, t, phone(23, 2), PROXY, {
        from: '2023',
        to: `+44113496${pad(500 + i, 4)}`,
        auth: '2023',
        outcome: 'answer',
        ringMs: 15000,
        talkMs: 2500,
        ua: UA.polycom,
      }).endUs;
      t += 20 * SEC;
    }
  });
  // Near miss: 15 short calls to the same number — a caller redialling a line that keeps dropping.
  fixtureFile('fraud/SIP-FRD-04/negative/redial-dropping-line.jsonl', 3404, (f) => {
    let t = at('2026-11-23T16:00:00Z');
    for (let i = 0; i < 15; i++) {
      t = dial(f, t, phone(24), PROXY, {
        from: '1014',
        to: '+441134960999',
        auth: '1014',
        outcome: 'answer',
        ringMs: 2000,
        talkMs: 2000 + f.r.int(0, 2000),
        byeFromCallee: true,
        ua: UA.yealink,
      }).endUs;
      t += 8 * SEC;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-05 — Wangiri (inbound one-ring)

function oneRing(f: Fixture, t: number, caller: string, callee: string, ringMs: number): void {
  dial(f, t, CARRIER, PROXY, { from: caller, to: callee, outcome: 'cancel', ringMs, ua: UA.sbc });
}

function frd05(): void {
  // 30 one-ring calls in 2 minutes through carrier-a from rotating Mauritanian mobile numbers to
  // 30 distinct subscribers, each cancelled 1.2–2.8 s after the 180.
  fixtureFile('fraud/SIP-FRD-05/positive/one-ring-campaign-via-carrier.jsonl', 3501, (f) => {
    const start = at('2026-11-22T19:00:00Z');
    for (let i = 0; i < 30; i++) {
      oneRing(
        f,
        start + i * 4 * SEC,
        `+2223612${pad(f.r.int(0, 9999), 4)}`,
        `+44207946${pad(i + 10, 4)}`,
        1200 + f.r.int(0, 1600),
      );
    }
  });
  // Near miss: 4 short international missed calls in 5 minutes (and one that was answered).
  fixtureFile('fraud/SIP-FRD-05/negative/a-few-missed-international-calls.jsonl', 3502, (f) => {
    const start = at('2026-11-22T12:00:00Z');
    const callers = ['+22236120001', '+33142685300', '+12125550142', '+4915112345678'];
    callers.forEach((n, i) => oneRing(f, start + i * 70 * SEC, n, `+44207946${pad(50 + i, 4)}`, 2000 + i * 500));
    dial(f, start + 30 * SEC, CARRIER, PROXY, {
      from: '+33142685301',
      to: '+442079460060',
      outcome: 'answer',
      ua: UA.sbc,
    });
  });
  // Domestic callers hanging up after one ring, to 20 subscribers: not international.
  fixtureFile('fraud/SIP-FRD-05/negative/domestic-one-ring.jsonl', 3503, (f) => {
    const start = at('2026-11-22T13:00:00Z');
    for (let i = 0; i < 20; i++) {
      oneRing(f, start + i * 5 * SEC, `+44113496${pad(f.r.int(0, 9999), 4)}`, `+44207946${pad(100 + i, 4)}`, 1500);
    }
  });
  // Near miss: 15 international callers who give up after 20–30 s of ringing (nobody answered).
  fixtureFile('fraud/SIP-FRD-05/negative/international-long-ring.jsonl', 3504, (f) => {
    const start = at('2026-11-22T14:00:00Z');
    for (let i = 0; i < 15; i++) {
      oneRing(
        f,
        start + i * 10 * SEC,
        `+2223612${pad(f.r.int(0, 9999), 4)}`,
        `+44207946${pad(200 + i, 4)}`,
        20000 + f.r.int(0, 10000),
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-08 — forward / transfer to a high-risk destination

function frd08(): void {
  // Extension 1050 (phone taken over through its web UI) blind-transfers its call to Thuraya.
  fixtureFile('fraud/SIP-FRD-08/positive/refer-to-thuraya.jsonl', 3801, (f) => {
    const d = dial(f, at('2026-11-21T03:40:00Z'), phone(50), PROXY, {
      from: '1050',
      to: '+33142685300',
      auth: '1050',
      outcome: 'answer',
      talkMs: 60000,
      ua: UA.yealink,
    });
    refer(f, d, phone(50), PROXY, '+8821612345678', (d.answerUs ?? 0) + 10 * SEC);
  });
  // Extension 1021 had call-forward set to an Iridium handset: the phone answers an inbound call
  // with 302 and the proxy would follow it.
  fixtureFile('fraud/SIP-FRD-08/positive/302-to-iridium.jsonl', 3802, (f) => {
    dial(f, at('2026-11-21T04:10:00Z'), PROXY, phone(21), {
      from: '+33142685300',
      to: '1021',
      outcome: 302,
      redirectTo: '+881612345678',
      ua: UA.kamailio,
    });
  });
  // Everyday blind transfer to another extension.
  fixtureFile('fraud/SIP-FRD-08/negative/refer-to-extension.jsonl', 3803, (f) => {
    const d = dial(f, at('2026-11-23T10:40:00Z'), phone(51), PROXY, {
      from: '1051',
      to: '+441134960123',
      auth: '1051',
      outcome: 'answer',
      talkMs: 60000,
      ua: UA.yealink,
    });
    refer(f, d, phone(51), PROXY, '1002', (d.answerUs ?? 0) + 20 * SEC);
  });
  // Follow-me to an ordinary mobile abroad (a French mobile) by 302, and a transfer to Paris.
  fixtureFile('fraud/SIP-FRD-08/negative/forward-to-ordinary-numbers.jsonl', 3804, (f) => {
    dial(f, at('2026-11-23T11:10:00Z'), PROXY, phone(22), {
      from: '+441134960222',
      to: '1022',
      outcome: 302,
      redirectTo: '+33612345678',
      ua: UA.kamailio,
    });
    const d = dial(f, at('2026-11-23T11:20:00Z'), phone(52), PROXY, {
      from: '1052',
      to: '+441134960333',
      auth: '1052',
      outcome: 'answer',
      talkMs: 60000,
      ua: UA.yealink,
    });
    refer(f, d, phone(52), PROXY, '+33142685300', (d.answerUs ?? 0) + 15 * SEC);
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-CLI-01 — implausible calling number

function cli01(): void {
  // Robocalls straight from the internet with calling numbers no numbering plan allows.
  fixtureFile('identity/SIP-CLI-01/positive/invalid-cli-robocalls.jsonl', 4101, (f) => {
    let t = at('2026-11-22T17:00:00Z');
    const clis = ['0000000000', '+4455555', '12345678', '+440000000000', '0000000000', '+4412345'];
    clis.forEach((cli, i) => {
      dial(f, t, attacker(90), PROXY, {
        from: cli,
        to: `+44207946${pad(300 + i, 4)}`,
        outcome: f.r.pick<'answer' | number>(['answer', 480, 486]),
        talkMs: 12000,
        ua: 'VOS3000',
      });
      t += 3 * SEC;
    });
  });
  // The operator's own number (+44 20 7946 0123) presented by a call from the internet.
  fixtureFile('identity/SIP-CLI-01/positive/own-number-spoofed-from-internet.jsonl', 4102, (f) => {
    dial(f, at('2026-11-22T17:30:00Z'), attacker(91), PROXY, {
      from: '+442079460123',
      to: '+442079460150',
      outcome: 'answer',
      talkMs: 25000,
      ua: 'VOS3000',
    });
  });
  // External SIP peer with a valid foreign number, then an anonymous call (privacy).
  fixtureFile('identity/SIP-CLI-01/negative/valid-foreign-and-anonymous-cli.jsonl', 4103, (f) => {
    dial(f, at('2026-11-23T10:00:00Z'), attacker(92), PROXY, {
      from: '+33142685300',
      to: '+442079460151',
      outcome: 'answer',
      ua: UA.freeswitch,
    });
    dial(f, at('2026-11-23T10:05:00Z'), attacker(92), PROXY, {
      from: 'anonymous',
      to: '+442079460152',
      outcome: 486,
      extraHeaders: ['Privacy: id'],
      ua: UA.freeswitch,
    });
  });
  // carrier-a (trusted peer) delivers a forwarded call that keeps our subscriber's number as CLI.
  fixtureFile('identity/SIP-CLI-01/negative/own-number-forwarded-by-carrier.jsonl', 4104, (f) => {
    dial(f, at('2026-11-23T11:00:00Z'), CARRIER, PROXY, {
      from: '+442079460123',
      to: '+442079460160',
      outcome: 'answer',
      extraHeaders: ['Diversion: <sip:+447700900123@sbc.carrier-a.example>;reason=unconditional'],
      ua: UA.sbc,
    });
  });
  // An office phone calls out presenting its own DID in P-Asserted-Identity.
  fixtureFile('identity/SIP-CLI-01/negative/internal-phone-presents-own-did.jsonl', 4105, (f) => {
    dial(f, at('2026-11-23T12:00:00Z'), phone(11), PROXY, {
      from: '1001',
      to: '+441134960123',
      pai: '+442079460111',
      auth: '1001',
      outcome: 'answer',
      ua: UA.yealink,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-REG-02 — binding takeover / third-party de-registration

function reg02(): void {
  // 1001's desk phone refreshes every 5 min; the attacker (with 1001's cracked password) removes
  // every binding with Contact: * and registers its own contact (erase_registrations + reghijacker).
  fixtureFile('reg/SIP-REG-02/positive/erase-and-hijack-binding.jsonl', 4201, (f) => {
    refreshes(f, '2026-11-22T20:00:00Z', phone(11), '1001', 300, 4, UA.yealink);
    const c = Clock.at('2026-11-22T20:07:00Z');
    register(f, c, attacker(56), { aor: '1001', authUser: '1001', expires: 0, contact: '*', ua: 'sipptk' });
    c.advanceMs(1500);
    register(f, c, attacker(56), { aor: '1001', authUser: '1001', expires: 3600, ua: 'sipptk' });
  });
  // 1002's phone refreshes every 10 min; an attacker holding 1003's credential removes exactly the
  // phone's binding (its Contact with ;expires=0) — a targeted third-party de-registration.
  fixtureFile('reg/SIP-REG-02/positive/foreign-credential-removes-phone-binding.jsonl', 4205, (f) => {
    refreshes(f, '2026-11-22T23:00:00Z', phone(12), '1002', 600, 3, UA.yealink);
    const c = Clock.at('2026-11-22T23:12:00Z');
    register(f, c, attacker(58), {
      aor: '1002',
      authUser: '1003',
      expires: 0,
      contactExpires: 0,
      contactAt: phone(12),
      ua: UA.zoiper,
    });
  });
  // The phone de-registers its own contact when switched off (contact-level expires=0).
  fixtureFile('reg/SIP-REG-02/negative/phone-deregisters-own-contact.jsonl', 4202, (f) => {
    refreshes(f, '2026-11-23T08:00:00Z', phone(12), '1002', 600, 3, UA.yealink);
    const c = Clock.at('2026-11-23T08:25:00Z');
    register(f, c, phone(12), { aor: '1002', authUser: '1002', expires: 0, contactExpires: 0, ua: UA.yealink });
    c.advanceMs(60000);
    register(f, c, phone(13), { aor: '1003', authUser: '1003', expires: 0, ua: UA.polycom });
  });
  // First boot: the phone clears stale bindings with Contact: * and then registers (no earlier
  // binding of its AOR was seen, so nothing was taken over).
  scenario('reg/SIP-REG-02/negative/boot-clears-then-registers.jsonl', 4203, '2026-11-23T07:55:00Z', (f, c) => {
    register(f, c, phone(14), { aor: '1004', authUser: '1004', expires: 0, contact: '*', ua: UA.grandstream });
    c.advanceMs(300);
    register(f, c, phone(14), { aor: '1004', authUser: '1004', expires: 3600, ua: UA.grandstream, challenge: false });
  });
  // Two devices on one AOR (desk phone + softphone) refreshing side by side.
  fixtureFile('reg/SIP-REG-02/negative/two-devices-one-aor.jsonl', 4204, (f) => {
    refreshes(f, '2026-11-23T09:00:00Z', phone(15), '1005', 300, 6, UA.yealink);
    refreshes(f, '2026-11-23T09:01:10Z', { ip: '198.18.4.20', port: 53422 }, '1005', 120, 14, UA.zoiper);
  });
  // Near miss: a foreign credential *adds* a binding next to the live one (a hijack attempt, but
  // nothing is removed: SIP-REG-03's evidence, not this one's).
  fixtureFile('reg/SIP-REG-02/negative/foreign-credential-adds-binding.jsonl', 4206, (f) => {
    refreshes(f, '2026-11-23T13:00:00Z', phone(16), '1006', 600, 3, UA.yealink);
    const c = Clock.at('2026-11-23T13:05:00Z');
    register(f, c, attacker(59), { aor: '1006', authUser: '1003', expires: 3600, ua: UA.zoiper });
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-REG-03 — auth identity ≠ originating identity

function reg03(): void {
  // One request is enough: an attacker holding 1003's (weaker) credential registers as 1001,
  // whose owner is not active in the capture.
  scenario(
    'reg/SIP-REG-03/positive/register-as-1001-with-1003-credential.jsonl',
    4301,
    '2026-11-22T21:02:00Z',
    (f, c) => {
      register(f, c, attacker(57), { aor: '1001', authUser: '1003', expires: 3600, ua: UA.zoiper });
    },
  );
  // INVITE variant: 1001 places its own call; the attacker calls abroad as From 1001 with 1003's digest.
  fixtureFile('reg/SIP-REG-03/positive/invite-as-1001-with-1003-credential.jsonl', 4302, (f) => {
    dial(f, at('2026-11-22T22:00:00Z'), phone(11), PROXY, {
      from: '1001',
      to: '+441134960123',
      auth: '1001',
      outcome: 'answer',
      ua: UA.yealink,
    });
    dial(f, at('2026-11-22T22:10:00Z'), attacker(57), PROXY, {
      from: '1001',
      to: '+25261234567',
      auth: '1003',
      outcome: 'answer',
      talkMs: 300000,
      ua: UA.zoiper,
    });
  });
  // Other out-of-dialog requests: a MESSAGE sent as 1001 with 1003's digest (spoofed one-time code).
  fixtureFile('reg/SIP-REG-03/positive/message-as-1001-with-1003-credential.jsonl', 4306, (f) => {
    message(f, Clock.at('2026-11-22T22:30:00Z'), attacker(57), { from: '1001', to: '1002', authUser: '1003' });
  });
  // Users registering, calling and messaging with their own credentials; alice's phone writes
  // her auth id capitalised ("Alice"), which the comparison ignores.
  scenario(
    'reg/SIP-REG-03/negative/own-credentials-register-call-message.jsonl',
    4307,
    '2026-11-23T08:30:00Z',
    (f, c) => {
      register(f, c, phone(21), { aor: '1021', authUser: '1021', expires: 3600, ua: UA.yealink });
      c.advanceMs(4000);
      register(f, c, phone(22), { aor: 'alice', authUser: 'Alice', expires: 3600, ua: UA.linphone });
      let t = c.us + 30 * SEC;
      t = dial(f, t, phone(21), PROXY, { from: '1021', to: '+441134960321', auth: '1021', outcome: 'answer' }).endUs;
      t = dial(f, t + 5 * SEC, phone(22), PROXY, { from: 'alice', to: '1021', auth: 'Alice', outcome: 'answer' }).endUs;
      message(f, new Clock(t + 5 * SEC), phone(21), { from: '1021', to: 'alice', authUser: '1021' });
    },
  );
  // Near miss: a call to the DID +44 20 7946 0111 rings 1001's phone; the phone hangs up with a
  // BYE carrying its cached credential (1001) while From is the number it was called on.
  fixtureFile('reg/SIP-REG-03/negative/callee-bye-with-own-credential.jsonl', 4308, (f) => {
    dial(f, at('2026-11-23T14:00:00Z'), CARRIER, phone(11), {
      from: '+441134960555',
      to: '+442079460111',
      outcome: 'answer',
      byeFromCallee: true,
      byeAuth: '1001',
    });
  });
  // A PBX trunk (trusted peer pbx-branch, assert_identity) authenticates with one trunk account
  // and presents each user's DID in From.
  scenario('reg/SIP-REG-03/negative/pbx-trunk-fixed-auth-user.jsonl', 4303, '2026-11-23T09:00:00Z', (f, c) => {
    register(f, c, PBX_BRANCH, { aor: 'acme-trunk', authUser: 'acme-trunk', expires: 3600, ua: UA.asterisk });
    let t = c.us + 10 * SEC;
    for (let i = 0; i < 12; i++) {
      t = dial(f, t, PBX_BRANCH, PROXY, {
        from: `+44161496${pad(100 + i, 4)}`,
        to: `+44113496${pad(f.r.int(0, 9999), 4)}`,
        auth: 'acme-trunk',
        outcome: 'answer',
        talkMs: 30000,
        ua: UA.asterisk,
      }).endUs;
    }
  });
  // One user, two devices, the same credential.
  fixtureFile('reg/SIP-REG-03/negative/two-devices-same-credential.jsonl', 4304, (f) => {
    refreshes(f, '2026-11-23T10:00:00Z', phone(16), '1006', 300, 6, UA.yealink);
    refreshes(f, '2026-11-23T10:00:40Z', { ip: '198.18.7.9', port: 61002 }, '1006', 120, 14, UA.linphone);
  });
  // Withheld-number calls from three users: From is "anonymous", each authenticates as itself.
  fixtureFile('reg/SIP-REG-03/negative/anonymous-calls-three-users.jsonl', 4305, (f) => {
    const start = at('2026-11-23T11:00:00Z');
    for (let i = 0; i < 3; i++) {
      dial(f, start + i * 45 * SEC, phone(31 + i), PROXY, {
        from: 'anonymous',
        to: `+44113496${pad(700 + i, 4)}`,
        auth: String(1031 + i),
        pai: `+44207946${pad(1031 + i, 4)}`,
        extraHeaders: ['Privacy: id'],
        outcome: 'answer',
        talkMs: 20000,
        ua: UA.yealink,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------

/** Real sipp + kamailio testbed traffic (digest registrations and calls): must stay quiet everywhere. */
const REAL_UDP_NEGATIVES = [
  'fraud/SIP-FRD-01',
  'fraud/SIP-FRD-02',
  'fraud/SIP-FRD-03',
  'fraud/SIP-FRD-04',
  'fraud/SIP-FRD-05',
  'fraud/SIP-FRD-08',
  'identity/SIP-CLI-01',
  'reg/SIP-REG-02',
  'reg/SIP-REG-03',
];

async function main(): Promise<void> {
  frd01();
  frd02();
  frd03();
  frd04();
  frd05();
  frd08();
  cli01();
  reg02();
  reg03();
  const realUdp = await decodeCapture('udp.pcap');
  for (const dir of REAL_UDP_NEGATIVES) writeEvents(`${dir}/negative/testbed-udp-real.jsonl`, realUdp);
  for (const line of written) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
