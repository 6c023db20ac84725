//! SIP dialogs and transactions as a generator writes them: REGISTER with a digest challenge, INVITE
//! dialogs (answered, busy, failed, challenged), out-of-dialog probes, Timer A/E retransmissions —
//! each a short composition of `sip.ts` messages handed to a `SipSink` (the signature fixture
//! makers parse them into events), with a seeded `Rand` and a packet `Clock` so output is stable.
import { mulberry32 } from '../../prng';
import { type Endpoint, type RequestSpec, type ResponseOptions, type SipBody, SDP } from './sip';

/** Seeded, so tags, branches and nonces are stable across runs. */
export class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)] ?? '0';
    return s;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/** Event time in microseconds since the epoch. */
export class Clock {
  constructor(public us: number) {}
  static at(iso: string): Clock {
    return new Clock(Date.parse(iso) * 1000);
  }
  advanceMs(ms: number): number {
    this.us += Math.round(ms * 1000);
    return this.us;
  }
}

/** What the dialog builders write to: each message with its sender, receiver and time (µs). */
export interface SipSink {
  readonly r: Rand;
  wire(text: string, src: Endpoint, dst: Endpoint, us: number): unknown;
  request(q: RequestSpec, dst: Endpoint, us: number): void;
  response(q: RequestSpec, status: number, from: Endpoint, us: number, o?: ResponseOptions): void;
}

export interface InviteOptions {
  from: { user: string; host: string; display?: string };
  to: { user: string; host: string };
  /** The caller's transport address (Via, Contact). */
  via: Endpoint;
  /** Random hex digits of the Call-ID (default 16), and the host after its '@' when it has one. */
  callIdDigits?: number;
  callIdHost?: string;
  cseq?: number;
  ua?: string;
  auth?: RequestSpec['auth'];
  body?: SipBody;
}

/**
 * An initial INVITE to sip:<to.user>@<to.host>: From tag, Call-ID and branch are drawn from `r` in
 * that order (generators depend on the order for byte-identical output).
 */
export function inviteRequest(r: Rand, o: InviteOptions): RequestSpec {
  const tag = r.hex(8);
  const id = r.hex(o.callIdDigits ?? 16);
  return {
    method: 'INVITE',
    from: { ...o.from, tag },
    to: o.to,
    callId: o.callIdHost !== undefined ? `${id}@${o.callIdHost}` : id,
    cseq: o.cseq ?? 1,
    branch: `z9hG4bK${r.hex(12)}`,
    via: o.via,
    ...(o.ua !== undefined ? { userAgent: o.ua } : {}),
    ...(o.auth !== undefined ? { auth: o.auth } : {}),
    ...(o.body !== undefined ? { body: o.body } : {}),
  };
}

/** The ACK of a non-2xx final answer to `invite`: same branch, the answer's To tag, no body. */
export function ackFor(invite: RequestSpec, toTag: string): RequestSpec {
  return { ...invite, method: 'ACK', body: undefined, to: { ...invite.to, tag: toTag } };
}

/** CANCEL of a pending `invite`: same branch, Call-ID and CSeq number, no body. */
export function cancelFor(invite: RequestSpec): RequestSpec {
  return { ...invite, method: 'CANCEL', body: undefined, extraHeaders: [] };
}

/** A full answered/failed call: INVITE, 100, optional 180, final, ACK (2xx: new branch), BYE. */
export function call(
  f: SipSink,
  c: Clock,
  caller: Endpoint,
  callee: Endpoint,
  o: {
    from: string;
    to: string;
    domain: string;
    final: number;
    ua?: string;
    server?: string;
    ringMs?: number;
    talkMs?: number;
    auth?: { username: string; realm: string };
    /** Proxy challenges the first INVITE with 407, the UA retries with Proxy-Authorization. */
    challenge?: boolean;
  },
): void {
  const r = f.r;
  const callId = `${r.hex(16)}@${caller.ip}`;
  const fromTag = r.hex(8);
  let cseq = 1;
  const invite = (auth: boolean): RequestSpec => ({
    method: 'INVITE',
    ruri: `sip:${o.to}@${o.domain}`,
    from: { user: o.from, host: o.domain, tag: fromTag },
    to: { user: o.to, host: o.domain },
    callId,
    cseq: cseq,
    branch: `z9hG4bK${r.hex(12)}`,
    via: caller,
    ...(o.ua !== undefined ? { userAgent: o.ua } : {}),
    ...(auth && o.auth !== undefined ? { auth: { ...o.auth, header: 'Proxy-Authorization' as const } } : {}),
    body: SDP(caller.ip, 10000 + 2 * r.int(0, 9999)),
  });
  if (o.challenge === true) {
    const q0 = invite(false);
    f.request(q0, callee, c.us);
    f.response(q0, 407, callee, c.advanceMs(2), {
      challenge: 'proxy',
      realm: o.domain,
      ...(o.server ? { server: o.server } : {}),
    });
    f.request(
      {
        method: 'ACK',
        ruri: q0.ruri,
        from: q0.from,
        to: { ...q0.to, tag: r.hex(8) },
        callId,
        cseq: 1,
        branch: q0.branch,
        via: caller,
      },
      callee,
      c.advanceMs(1),
    );
    cseq = 2;
    c.advanceMs(20);
  }
  const q = invite(o.challenge === true);
  f.request(q, callee, c.us);
  f.response(q, 100, callee, c.advanceMs(3), o.server !== undefined ? { server: o.server } : {});
  const toTag = r.hex(10);
  if (o.final !== 503 && o.final !== 404 && o.final !== 403 && o.final !== 484) {
    f.response(q, 180, callee, c.advanceMs(40), { toTag });
    c.advanceMs(o.ringMs ?? 3000);
  } else c.advanceMs(15);
  f.response(q, o.final, callee, c.us, {
    toTag,
    ...(o.server !== undefined ? { server: o.server } : {}),
    ...(o.final === 200 ? { body: SDP(callee.ip, 20000 + 2 * r.int(0, 9999)) } : {}),
  });
  const to = { ...q.to, tag: toTag };
  if (o.final >= 200 && o.final < 300) {
    f.request(
      {
        method: 'ACK',
        ruri: `sip:${o.to}@${callee.ip}`,
        from: q.from,
        to,
        callId,
        cseq,
        branch: `z9hG4bK${r.hex(12)}`,
        via: caller,
      },
      callee,
      c.advanceMs(2),
    );
    c.advanceMs(o.talkMs ?? 20000);
    const bye: RequestSpec = {
      method: 'BYE',
      ruri: `sip:${o.to}@${callee.ip}`,
      from: q.from,
      to,
      callId,
      cseq: cseq + 1,
      branch: `z9hG4bK${r.hex(12)}`,
      via: caller,
    };
    f.request(bye, callee, c.us);
    f.response(bye, 200, callee, c.advanceMs(3));
  } else {
    f.request(
      { method: 'ACK', ruri: q.ruri, from: q.from, to, callId, cseq, branch: q.branch, via: caller },
      callee,
      c.advanceMs(1),
    );
  }
}

/**
 * One REGISTER login as a phone (or svcrack) does it: unauthenticated REGISTER → 401 challenge →
 * REGISTER with credentials → `final` (200 = right password, 401/403 = wrong one).
 */
export function registerLogin(
  f: SipSink,
  c: Clock,
  client: Endpoint,
  registrar: Endpoint,
  o: {
    user: string;
    domain: string;
    final: number;
    ua?: string;
    server?: string;
    callId?: string;
    cseqStart?: number;
    expires?: number;
    skipChallenge?: boolean;
  },
): void {
  const r = f.r;
  const callId = o.callId ?? `${r.hex(20)}@${client.ip}`;
  const fromTag = r.hex(8);
  let cseq = o.cseqStart ?? 1;
  const reg = (auth: boolean): RequestSpec => ({
    method: 'REGISTER',
    ruri: `sip:${o.domain}`,
    from: { user: o.user, host: o.domain, tag: fromTag },
    to: { user: o.user, host: o.domain },
    callId,
    cseq: cseq++,
    branch: `z9hG4bK${r.hex(12)}`,
    via: client,
    expires: o.expires ?? 3600,
    ...(o.ua !== undefined ? { userAgent: o.ua } : {}),
    ...(auth ? { auth: { username: o.user, realm: o.domain } } : {}),
  });
  const server = o.server !== undefined ? { server: o.server } : {};
  if (o.skipChallenge !== true) {
    const q1 = reg(false);
    f.request(q1, registrar, c.us);
    f.response(q1, 401, registrar, c.advanceMs(1 + r.int(0, 3)), { challenge: 'www', realm: o.domain, ...server });
    c.advanceMs(2 + r.int(0, 5));
  }
  const q2 = reg(true);
  f.request(q2, registrar, c.us);
  f.response(q2, o.final, registrar, c.advanceMs(1 + r.int(0, 3)), {
    ...server,
    ...(o.final === 401 ? { challenge: 'www' as const, realm: o.domain } : {}),
    ...(o.final === 200
      ? { extraHeaders: [`Contact: <sip:${o.user}@${client.ip}:${client.port}>;expires=${o.expires ?? 3600}`] }
      : {}),
  });
}

/** A plain out-of-dialog request with one answer (or none when `status` is undefined). */
export function probe(
  f: SipSink,
  c: Clock,
  src: Endpoint,
  dst: Endpoint,
  o: {
    method: string;
    toUser?: string;
    toHost?: string;
    fromUser?: string;
    fromDisplay?: string;
    ua?: string;
    status?: number;
    server?: string;
    answerMs?: number;
    extra?: Partial<RequestSpec>;
  },
): RequestSpec {
  const r = f.r;
  const host = o.toHost ?? dst.ip;
  const q: RequestSpec = {
    method: o.method,
    from: {
      user: o.fromUser ?? 'probe',
      host: src.ip,
      tag: r.hex(8),
      ...(o.fromDisplay !== undefined ? { display: o.fromDisplay } : {}),
    },
    to: { ...(o.toUser !== undefined ? { user: o.toUser } : {}), host },
    callId: `${r.hex(20)}`,
    cseq: 1,
    branch: `z9hG4bK-${r.hex(10)}`,
    via: src,
    ...(o.ua !== undefined ? { userAgent: o.ua } : {}),
    ...o.extra,
  };
  f.request(q, dst, c.us);
  if (o.status !== undefined) {
    f.response(q, o.status, dst, c.advanceMs(o.answerMs ?? 1 + r.int(0, 4)), {
      ...(o.server !== undefined ? { server: o.server } : {}),
      ...(o.status === 401 ? { challenge: 'www' as const, realm: host } : {}),
    });
  }
  return q;
}

/** Timer A/E resends of the same request bytes (RFC 3261 §17.1.1.2: T1 = 500 ms, doubling). */
export function retransmit(
  f: SipSink,
  text: string,
  src: Endpoint,
  dst: Endpoint,
  startUs: number,
  times: number,
): number {
  let t = startUs;
  let interval = 500;
  for (let i = 0; i < times; i++) {
    t += interval * 1000;
    f.wire(text, src, dst, t);
    interval = Math.min(interval * 2, 4000);
  }
  return t;
}
