//! Building blocks for signature fixtures: SIP wire text → the collector's own parser → SIP events,
//! with a seeded PRNG and a fixed clock so every generator rewrites identical files.
//! Used by make-fixtures*.ts (one generator per signature family group).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SipEvent, Transport } from '../../schema/src/sip-event';
import { parseSipMessage } from '../../collectors/src/sip/parser';
import { toSipEvent } from '../../collectors/src/event/to-sip-event';
import { toJsonLine } from '../../collectors/src/event/jsonl';
import { decodeInputs } from '../../collectors/src/decode';
import { createLogger } from '../../lib/src/logger';
import { mulberry32 } from '../../lib/src/prng';

export const ROOT = resolve(__dirname, '..', '..');
export const SIGS = join(ROOT, 'signatures');

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and time

/** Seeded, so tags, branches and nonces are stable across runs. */
export const prng = mulberry32;

export class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
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

// ---------------------------------------------------------------------------------------------
// SIP messages as wire text

export interface Endpoint {
  ip: string;
  port: number;
}

export interface NameAddr {
  user?: string;
  host: string;
  display?: string;
  tag?: string;
  /** Raw header value instead of the generated one (malformed fixtures). */
  raw?: string;
}

export interface RequestSpec {
  method: string;
  /** Request-URI; default sip:<to.user>@<to.host>. */
  ruri?: string;
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: number;
  /** CSeq method when it differs from the request method (malformed fixtures). */
  cseqMethod?: string;
  branch: string;
  /** The sender's transport address, written into Via and Contact. */
  via: Endpoint;
  contactUser?: string;
  userAgent?: string;
  /** Digest username and realm: adds an Authorization header with a (dummy) response. */
  auth?: { username: string; realm: string; header?: 'Authorization' | 'Proxy-Authorization' };
  expires?: number;
  maxForwards?: number | null;
  body?: { type: string; text: string };
  extraHeaders?: string[];
  /** Headers to leave out (malformed fixtures): 'Call-ID', 'From', 'Via', ... */
  omit?: string[];
  /** Replace the whole start line (malformed fixtures). */
  startLine?: string;
  /** Content-Length to declare instead of the real one (malformed fixtures). */
  contentLength?: number;
}

export function nameAddr(a: NameAddr): string {
  if (a.raw !== undefined) return a.raw;
  const uri = a.user !== undefined ? `sip:${a.user}@${a.host}` : `sip:${a.host}`;
  const display = a.display !== undefined ? `"${a.display}" ` : '';
  return `${display}<${uri}>${a.tag !== undefined ? `;tag=${a.tag}` : ''}`;
}

export function digestValue(r: Rand, auth: NonNullable<RequestSpec['auth']>, uri: string): string {
  return (
    `Digest username="${auth.username}",realm="${auth.realm}",nonce="${r.hex(24)}",uri="${uri}",` +
    `response="${r.hex(32)}",algorithm=MD5`
  );
}

export function renderRequest(r: Rand, q: RequestSpec): string {
  const ruri = q.ruri ?? (q.to.user !== undefined ? `sip:${q.to.user}@${q.to.host}` : `sip:${q.to.host}`);
  const omit = new Set(q.omit ?? []);
  const body = q.body?.text ?? '';
  const lines: string[] = [q.startLine ?? `${q.method} ${ruri} SIP/2.0`];
  const add = (name: string, value: string): void => {
    if (!omit.has(name)) lines.push(`${name}: ${value}`);
  };
  add('Via', `SIP/2.0/UDP ${q.via.ip}:${q.via.port};branch=${q.branch};rport`);
  if (q.maxForwards !== null) add('Max-Forwards', String(q.maxForwards ?? 70));
  add('From', nameAddr(q.from));
  add('To', nameAddr(q.to));
  add('Call-ID', q.callId);
  add('CSeq', `${q.cseq} ${q.cseqMethod ?? q.method}`);
  if (q.method === 'INVITE' || q.method === 'REGISTER' || q.method === 'SUBSCRIBE') {
    add('Contact', `<sip:${q.contactUser ?? q.from.user ?? 'anonymous'}@${q.via.ip}:${q.via.port}>`);
  }
  if (q.auth !== undefined) add(q.auth.header ?? 'Authorization', digestValue(r, q.auth, ruri));
  if (q.expires !== undefined) add('Expires', String(q.expires));
  if (q.userAgent !== undefined) add('User-Agent', q.userAgent);
  for (const h of q.extraHeaders ?? []) lines.push(h);
  if (q.body !== undefined) add('Content-Type', q.body.type);
  add('Content-Length', String(q.contentLength ?? Buffer.byteLength(body, 'utf8')));
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export interface ResponseOptions {
  toTag?: string;
  server?: string;
  challenge?: 'www' | 'proxy';
  realm?: string;
  extraHeaders?: string[];
  body?: { type: string; text: string };
}

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  603: 'Decline',
};

export function renderResponse(r: Rand, q: RequestSpec, status: number, o: ResponseOptions = {}): string {
  const to: NameAddr = { ...q.to };
  if (status > 100 && to.tag === undefined) to.tag = o.toTag ?? r.hex(10);
  const lines: string[] = [
    `SIP/2.0 ${status} ${REASONS[status] ?? 'Unknown'}`,
    `Via: SIP/2.0/UDP ${q.via.ip}:${q.via.port};branch=${q.branch};rport=${q.via.port};received=${q.via.ip}`,
    `From: ${nameAddr(q.from)}`,
    `To: ${nameAddr(to)}`,
    `Call-ID: ${q.callId}`,
    `CSeq: ${q.cseq} ${q.cseqMethod ?? q.method}`,
  ];
  if (o.challenge !== undefined) {
    const name = o.challenge === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    lines.push(`${name}: Digest realm="${o.realm ?? 'sipward.test'}", nonce="${r.hex(24)}", algorithm=MD5`);
  }
  if (o.server !== undefined) lines.push(`Server: ${o.server}`);
  for (const h of o.extraHeaders ?? []) lines.push(h);
  const body = o.body?.text ?? '';
  if (o.body !== undefined) lines.push(`Content-Type: ${o.body.type}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body, 'utf8')}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

// ---------------------------------------------------------------------------------------------
// Events

/** A fixture under construction: wire messages in, collector events out, kept in time order. */
export class Fixture {
  readonly events: SipEvent[] = [];
  constructor(readonly r: Rand) {}

  /** Parse `text` as one UDP datagram from `src` to `dst` at `us`, exactly as SipDecoder does. */
  wire(text: string, src: Endpoint, dst: Endpoint, us: number, transport: Transport = 'udp'): SipEvent {
    const buf = Buffer.from(text, 'utf8');
    const msg = parseSipMessage(buf, 0, buf.length, { stream: transport !== 'udp' });
    const tsSec = Math.floor(us / 1e6);
    const tsNsec = (us - tsSec * 1e6) * 1000;
    const event = toSipEvent(
      msg,
      {
        tsSec,
        tsNsec,
        srcIp: src.ip,
        dstIp: dst.ip,
        srcPort: src.port,
        dstPort: dst.port,
        protocol: 'udp',
        vlan: [],
        tunnel: [],
      },
      { transport },
    );
    this.events.push(event);
    return event;
  }

  request(q: RequestSpec, dst: Endpoint, us: number): void {
    this.wire(renderRequest(this.r, q), q.via, dst, us);
  }

  response(q: RequestSpec, status: number, from: Endpoint, us: number, o: ResponseOptions = {}): void {
    this.wire(renderResponse(this.r, q, status, o), from, q.via, us);
  }

  /** Appends events decoded elsewhere (real captures). */
  append(events: readonly SipEvent[]): void {
    this.events.push(...events);
  }

  write(path: string): void {
    const sorted = [...this.events].sort((a, b) =>
      a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0,
    );
    const file = join(SIGS, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, sorted.map(toJsonLine).join(''));
    written.push(`${path} (${sorted.length} events)`);
  }
}

export const written: string[] = [];

/** Events of a testbed capture, as `sipward decode <capture>` prints them. */
export async function decodeCapture(name: string): Promise<SipEvent[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [join(ROOT, 'test', 'fixtures', 'captures', name)], log: createLogger('silent') },
    { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
  );
  return events;
}

export function writeEvents(path: string, events: readonly SipEvent[]): void {
  const file = join(SIGS, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, events.map(toJsonLine).join(''));
  written.push(`${path} (${events.length} events, real capture)`);
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared by scenarios

export const UA = {
  svwar: 'friendly-scanner',
  sippts: 'sipptk',
  yealink: 'Yealink SIP-T46S 66.86.0.15',
  polycom: 'PolycomVVX-VVX_450-UA/6.4.3.5018',
  asterisk: 'Asterisk PBX 18.20.0',
  freeswitch: 'FreeSWITCH-mod_sofia/1.10.11-release~64bit',
  zoiper: 'Zoiper rv2.10.20.4',
  linphone: 'Linphone-Desktop/5.2.4 (belle-sip/5.2.94)',
  grandstream: 'Grandstream GXP2170 1.0.11.23',
  kamailio: 'kamailio (5.7.4 (x86_64/linux))',
  sbc: 'Oracle ESBC',
};

export const SDP = (ip: string, port: number, extra = ''): { type: string; text: string } => ({
  type: 'application/sdp',
  text:
    `v=0\r\no=- ${port}1 ${port}1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\n` +
    `m=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n` +
    `a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n${extra}`,
});

/** A full answered/failed call: INVITE, 100, optional 180, final, ACK (2xx: new branch), BYE. */
export function call(
  f: Fixture,
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
  f: Fixture,
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
  f: Fixture,
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
  f: Fixture,
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

// Addresses: attackers in 203.0.113.0/24 (TEST-NET-3), the victim SIP core in 198.51.100.0/24
// (TEST-NET-2), the testbed / enterprise LAN in 10.77.0.0/16.
export const REGISTRAR: Endpoint = { ip: '198.51.100.10', port: 5060 };
export const PROXY: Endpoint = { ip: '198.51.100.20', port: 5060 };
export const DOMAIN = 'voip.example.net';
