//! SIP messages as wire text: requests and responses from a spec (RFC 3261 header order, digest
//! Authorization and challenges, SDP bodies), with hooks to break them on purpose (omitted headers,
//! a replaced start line, a false Content-Length) for the malformed-message fixtures. Pure.

/** Where nonces, digest responses and tags come from: a seeded `Rand` in generators. */
import type { Endpoint } from './frames';

export type { Endpoint };

export interface HexSource {
  hex(n: number): string;
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
  body?: SipBody;
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

export function digestValue(r: HexSource, auth: NonNullable<RequestSpec['auth']>, uri: string): string {
  return (
    `Digest username="${auth.username}",realm="${auth.realm}",nonce="${r.hex(24)}",uri="${uri}",` +
    `response="${r.hex(32)}",algorithm=MD5`
  );
}

/** A message body with its media type. */
export interface SipBody {
  type: string;
  text: string;
}

/** The wire form of any SIP message: start line, header lines, an empty line, the body. */
export function sipText(startLine: string, headers: readonly string[], body = ''): string {
  return [startLine, ...headers].join('\r\n') + '\r\n\r\n' + body;
}

/** Content-Type (when there is a body) and Content-Length: the last headers of a message. */
export function bodyHeaders(body: SipBody | undefined): string[] {
  const length = `Content-Length: ${Buffer.byteLength(body?.text ?? '', 'utf8')}`;
  return body === undefined ? [length] : [`Content-Type: ${body.type}`, length];
}

/** A Via header value: `transport` is the lower-case name (udp, tcp, tls, sctp, ws, wss). */
export function viaValue(host: string, port: number, branch: string, transport = 'udp'): string {
  return `SIP/2.0/${transport.toUpperCase()} ${host}:${port};branch=${branch};rport`;
}

/** A fresh RFC 3261 branch (magic cookie + 12 hex digits). */
export function newBranch(r: HexSource): string {
  return `z9hG4bK${r.hex(12)}`;
}

/** Any message, header by header, for scenarios renderRequest does not cover (several Vias, TLS, in-dialog). */
export interface MessageSpec {
  /** Request line or status line. */
  start: string;
  /** Via header values, top first; each becomes its own Via header line. */
  vias: string[];
  from: string;
  to: string;
  callId: string;
  cseq: string;
  contact?: string;
  maxForwards?: number;
  headers?: string[];
  body?: SipBody;
}

export function renderMessage(m: MessageSpec): string {
  const lines = m.vias.map((v) => `Via: ${v}`);
  if (m.maxForwards !== undefined) lines.push(`Max-Forwards: ${m.maxForwards}`);
  lines.push(`From: ${m.from}`, `To: ${m.to}`, `Call-ID: ${m.callId}`, `CSeq: ${m.cseq}`);
  if (m.contact !== undefined) lines.push(`Contact: ${m.contact}`);
  return sipText(m.start, [...lines, ...(m.headers ?? []), ...bodyHeaders(m.body)], m.body?.text);
}

export function renderRequest(r: HexSource, q: RequestSpec): string {
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
  const [startLine = '', ...headers] = lines;
  return sipText(startLine, headers, body);
}

export interface ResponseOptions {
  toTag?: string;
  server?: string;
  challenge?: 'www' | 'proxy';
  realm?: string;
  extraHeaders?: string[];
  body?: SipBody;
}

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
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

export function renderResponse(r: HexSource, q: RequestSpec, status: number, o: ResponseOptions = {}): string {
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
  const [startLine = '', ...headers] = lines;
  return sipText(startLine, [...headers, ...bodyHeaders(o.body)], o.body?.text);
}

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

/** An audio m= block: PCMU, PCMA and telephone-event (`events`), sendrecv, then `extra` lines. */
export function audioMedia(port: number, extra = '', events = '0-16'): string {
  return (
    `m=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n` +
    `a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 ${events}\r\na=sendrecv\r\n${extra}`
  );
}

export interface SdpOptions {
  /** The o= fields before "IN": username, session id, version (default "- 3923400<media count> 1"). */
  origin?: string;
  /** The o= address (default: the c= address). */
  originIp?: string;
  /** Session-level lines after t=. */
  session?: string;
}

/** An SDP body: v=, o=, s=, c= at `ip` (IP4 or IP6), t=, then each media block (CRLF-terminated). */
export function sdpBody(ip: string, media: readonly string[], o: SdpOptions = {}): SipBody {
  const family = (address: string): string => (address.includes(':') ? 'IP6' : 'IP4');
  const originIp = o.originIp ?? ip;
  const origin = o.origin ?? `- 3923400${media.length} 1`;
  return {
    type: 'application/sdp',
    text:
      `v=0\r\no=${origin} IN ${family(originIp)} ${originIp}\r\ns=-\r\nc=IN ${family(ip)} ${ip}\r\nt=0 0\r\n` +
      (o.session ?? '') +
      media.map((m) => (m.endsWith('\r\n') ? m : `${m}\r\n`)).join(''),
  };
}

/** The usual offer or answer: one audio stream at `ip`:`port`. */
export const SDP = (ip: string, port: number, extra = ''): SipBody =>
  sdpBody(ip, [audioMedia(port, extra)], { origin: `- ${port}1 ${port}1` });

/** A minimal out-of-dialog request, for tests that need any SIP message in a packet. */
export function sipPayload(method = 'OPTIONS', extra = ''): Buffer {
  return Buffer.from(
    `${method} sip:100@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n` +
      `Call-ID: abc@10.0.0.1\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n${extra}\r\n`,
  );
}
