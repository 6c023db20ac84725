//! SIP message parser: bytes of one message → SipMessage (offsets + the fields the SIP event carries
//! + anomaly codes). RFC 3261 §7 and §25 as used in the wild; never throws, linear in the input.

import { isAscii, isUtf8 } from 'node:buffer';
import type { AnomalyCode } from '../../../schema/src/anomalies';
import type { SipAddressPart, SipContact, SipFields, SipIdentityUri } from '../../../schema/src/sip-event';
import {
  equalsLower,
  indexOfByte,
  latin1,
  LOWER as LOWER_TABLE,
  nextComma,
  parseDigits,
  scanQuoted,
  scanToken,
  setHead,
  setMessageIsAscii,
  skipLws,
  str,
  toText,
  TOKEN as TOKEN_TABLE,
  trimEnd,
  unfold,
} from './chars';
import { parseAuthorization } from './auth';
import { H, headerId } from './header-names';
import { resolveLimits, type SipLimits } from './limits';
import { findSdpPart } from './multipart';
import { parseNameAddr, type NameAddr } from './name-addr';
import { parseSdp } from './sdp';
import { isKnownMethod, KNOWN_METHODS, parseStartLine, probeSip } from './start-line';
import { parseUri } from './uri';
import { parseVia } from './via';
import { parseStirIdentity } from './stir-identity';

// Local copies: module-level consts are constant-folded, `chars_1.X` loads are not.
const LOWER = LOWER_TABLE;
const TOKEN = TOKEN_TABLE;

export { probeSip } from './start-line';

/** One header field as offsets into the message buffer (value may span folded lines). */
export interface SipHeader {
  /** `H.*` id from header-names.ts; H.OTHER (0) for unknown names. */
  id: number;
  nameStart: number;
  nameEnd: number;
  /** First byte after the colon, and the end of the last (folded) line without CRLF. */
  valueStart: number;
  valueEnd: number;
}

export interface SipMessage {
  buf: Buffer;
  /** Message bytes are buf[start, end): start line through the end of the body. */
  start: number;
  end: number;
  /** First byte of the body (== end of the empty line after the headers). */
  bodyStart: number;
  /** Every header field in order, repeated ones included. */
  headers: SipHeader[];
  /** The parsed fields the SIP event carries (size and anomalies included). */
  sip: SipFields;
  /** Anomaly codes in the order found, each at most once. */
  anomalies: AnomalyCode[];
}

export interface SipParseOptions extends Partial<SipLimits> {
  /** The message came from a stream (TCP/TLS/WS): Content-Length is then mandatory (RFC 3261 §20.14). */
  stream?: boolean;
}

const MAX_SEQ = 0x7fffffff;
const MAX_DELTA_SECONDS = 0xffffffff;
const MAX_P_HEADERS = 32;

// Resolved limits of the last two option objects: a decoder alternates between its datagram and
// its stream options on mixed UDP/TCP traffic, and resolving on every switch cost ~1 % of decode.
let cachedOpts: SipParseOptions | undefined;
let cachedLimits: SipLimits = resolveLimits();
let otherOpts: SipParseOptions | undefined;
let otherLimits: SipLimits = cachedLimits;

/** Collects anomaly codes once each, in order of discovery. */
function add(list: AnomalyCode[], code: AnomalyCode): void {
  if (!list.includes(code)) list.push(code);
}

function cap(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

/**
 * SIP-message = Request / Response                                      (RFC 3261 §7, §25.1)
 * Request = Request-Line *( message-header ) CRLF [ message-body ]
 * message-header = header-name HCOLON header-value CRLF;  HCOLON = *( SP / HTAB ) ":" SWS
 * Continuation lines start with SP/HTAB (§7.3.1); LF alone is tolerated and reported (bare_lf);
 * CRLFs before the start line are ignored (§7.5).
 */
export function parseSipMessage(buf: Buffer, start: number, end: number, opts?: SipParseOptions): SipMessage {
  let limits = cachedLimits;
  if (opts !== cachedOpts) {
    limits = opts === otherOpts ? otherLimits : resolveLimits(opts);
    otherOpts = cachedOpts;
    otherLimits = cachedLimits;
    cachedOpts = opts;
    cachedLimits = limits;
  }
  if (start < 0) start = 0;
  if (end > buf.length) end = buf.length;
  if (end < start) end = start;
  const anomalies: AnomalyCode[] = [];
  while (start < end && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (end - start > limits.maxMessageBytes) {
    anomalies.push('oversize_message');
    end = start + limits.maxMessageBytes;
  }

  // Start line.
  let le = buf.indexOf(0x0a, start);
  if (le < 0 || le >= end) le = end;
  let lineEnd = le;
  if (lineEnd > start && buf[lineEnd - 1] === 0x0d) lineEnd--;
  else if (le < end) add(anomalies, 'bare_lf');
  if (lineEnd - start > limits.maxLineBytes) {
    add(anomalies, 'oversize_header_line');
    lineEnd = start + limits.maxLineBytes;
  }
  const line = parseStartLine(buf, start, lineEnd, anomalies);
  const sip: SipFields = { type: line.type, size: 0 };

  // Header lines: offsets only; values are read below for the headers the event needs.
  const headers: SipHeader[] = [];
  let p = le + 1;
  let bodyStart = -1;
  let last: SipHeader | undefined;
  let skipping = false;
  while (p < end) {
    le = buf.indexOf(0x0a, p);
    if (le < 0 || le >= end) le = end;
    lineEnd = le;
    if (lineEnd > p && buf[lineEnd - 1] === 0x0d) lineEnd--;
    else if (le < end) add(anomalies, 'bare_lf');
    if (lineEnd === p) {
      bodyStart = le + 1;
      break;
    }
    const c = buf[p];
    if (c === 0x20 || c === 0x09) {
      // Folded continuation of the previous header value (RFC 3261 §7.3.1).
      if (last !== undefined && !skipping) last.valueEnd = lineEnd;
      else if (last === undefined) add(anomalies, 'bad_header_line');
      p = le + 1;
      continue;
    }
    skipping = false;
    if (lineEnd - p > limits.maxLineBytes) {
      add(anomalies, 'oversize_header_line');
      skipping = true;
      p = le + 1;
      continue;
    }
    let i = p;
    while (i < lineEnd && TOKEN[buf[i] ?? 0] === 1) i++;
    const nameEnd = i;
    while (i < lineEnd && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
    if (i >= lineEnd || buf[i] !== 0x3a || nameEnd === p) {
      const colon = buf.indexOf(0x3a, p);
      add(anomalies, colon < 0 || colon >= lineEnd ? 'header_without_colon' : 'bad_header_line');
      skipping = true;
      p = le + 1;
      continue;
    }
    if (headers.length >= limits.maxHeaders) {
      add(anomalies, 'too_many_headers');
      skipping = true;
      p = le + 1;
      continue;
    }
    last = { id: headerId(buf, p, nameEnd), nameStart: p, nameEnd, valueStart: i + 1, valueEnd: lineEnd };
    headers.push(last);
    p = le + 1;
  }
  const headerEnd = bodyStart < 0 ? end : bodyStart;
  if (bodyStart < 0) {
    // No empty line: the header section never ended (cut datagram or missing CRLF).
    add(anomalies, 'truncated');
    bodyStart = end;
  }
  // NUL bytes in the header section; a quoted-pair may escape NUL (RFC 4475 §3.1.1.2 "intmeth").
  const head = buf.subarray(start, headerEnd);
  const ascii = isAscii(head);
  setMessageIsAscii(ascii);
  // SIP text is UTF-8 (RFC 3261 §7.3.1 "UTF8-NONASCII"); only non-ASCII heads pay the check.
  if (!ascii && !isUtf8(head)) add(anomalies, 'invalid_utf8');
  let z = head.indexOf(0);
  while (z >= 0) {
    if (z === 0 || head[z - 1] !== 0x5c) {
      add(anomalies, 'nul_byte');
      break;
    }
    z = head.indexOf(0, z + 1);
  }

  // One latin1 string for the whole head; every field below is a slice of it (one native call
  // per message instead of ~20: string creation was 13% of parse time when profiled).
  setHead(latin1(buf, start, headerEnd), start);
  if (line.type === 'request') {
    if (line.method !== undefined) {
      sip.method = cap(line.method, limits.maxUriBytes);
      if (!isKnownMethod(line.method)) add(anomalies, 'unknown_method');
    }
    requestUri(buf, line.uriStart, line.uriEnd, sip, anomalies, limits);
  } else {
    if (line.statusCode !== undefined) sip.status_code = line.statusCode;
    if (line.reasonEnd > line.reasonStart) {
      sip.reason_phrase = cap(toText(str(line.reasonStart, line.reasonEnd)), limits.maxUriBytes);
    }
  }
  const st = readHeaders(buf, headers, sip, anomalies, limits);
  setHead('', 0);

  // Mandatory headers (RFC 3261 §8.1.1; responses §8.2.6.2 copy all but Max-Forwards).
  if (st.via === 0) add(anomalies, 'missing_via');
  if (st.from === 0) add(anomalies, 'missing_from');
  if (st.to === 0) add(anomalies, 'missing_to');
  if (st.callId === 0) add(anomalies, 'missing_call_id');
  if (st.cseq === 0) add(anomalies, 'missing_cseq');
  if (sip.type === 'request' && st.maxForwards === 0) add(anomalies, 'missing_max_forwards');
  if (sip.type === 'request' && sip.method !== undefined && sip.cseq?.method !== undefined) {
    if (sip.cseq.method !== sip.method) add(anomalies, 'cseq_method_mismatch');
  } else if (sip.type === 'response' && sip.cseq?.method !== undefined && !isKnownMethod(sip.cseq.method)) {
    add(anomalies, 'unknown_method');
  }

  // Body framing (RFC 3261 §18.3, §20.14).
  const available = end - bodyStart;
  let bodyLength = available;
  if (st.contentLength >= 0) {
    sip.content_length = st.contentLength;
    if (st.contentLength > limits.contentLen) add(anomalies, 'oversize_content_length');
    if (st.contentLength > available) add(anomalies, 'content_length_mismatch');
    else if (st.contentLength < available) {
      bodyLength = st.contentLength;
      add(anomalies, probeSip(buf, bodyStart + bodyLength, end) ? 'multiple_messages' : 'content_length_mismatch');
    }
  } else if (st.contentLength === -1 && opts?.stream === true) add(anomalies, 'missing_content_length');
  const bodyEnd = bodyStart + bodyLength;
  if (bodyLength > 0) {
    sip.body_length = bodyLength;
    if (st.contentType === undefined) add(anomalies, 'body_without_content_type');
    sdpOf(buf, bodyStart, bodyEnd, st, sip, anomalies);
  } else if (st.contentLength >= 0) sip.body_length = 0;
  sip.size = bodyEnd - start;
  if (anomalies.length > 0) sip.anomalies = anomalies;
  return { buf, start, end: bodyEnd, bodyStart, headers, sip, anomalies };
}

function sdpOf(buf: Buffer, bs: number, be: number, st: HeaderState, sip: SipFields, anomalies: AnomalyCode[]): void {
  const ct = st.contentType;
  let range: [number, number] | undefined;
  if (ct === 'application/sdp') range = [bs, be];
  else if (ct !== undefined && ct.startsWith('multipart/') && st.boundary !== undefined) {
    range = findSdpPart(buf, bs, be, st.boundary);
  } else if (ct === undefined && buf[bs] === 0x76 && buf[bs + 1] === 0x3d) range = [bs, be];
  if (range === undefined) return;
  const parsed = parseSdp(buf, range[0], range[1]);
  if (parsed.bad) add(anomalies, 'bad_sdp');
  sip.sdp = parsed.sdp;
}

/**
 * Request-URI = SIP-URI / SIPS-URI / absoluteURI                        (RFC 3261 §25.1)
 * Not enclosed in <> (RFC 4475 §3.1.2.7), no URI headers (§19.1.1 table, RFC 4475 §3.1.2.11).
 */
function requestUri(
  buf: Buffer,
  us: number,
  ue: number,
  sip: SipFields,
  anomalies: AnomalyCode[],
  limits: SipLimits,
): void {
  if (ue <= us) {
    add(anomalies, 'empty_request_uri');
    return;
  }
  if (ue - us > limits.uriLen) add(anomalies, 'oversize_request_uri');
  if (ue - us > limits.maxUriBytes) ue = us + limits.maxUriBytes;
  sip.request_uri = toText(str(us, ue));
  const uri = parseUri(buf, us, ue);
  if (uri.bad || buf[us] === 0x3c || (uri.hasHeaders && (uri.scheme === 'sip' || uri.scheme === 'sips'))) {
    add(anomalies, 'bad_request_uri');
  }
  if (uri.scheme) sip.request_uri_scheme = uri.scheme;
  if (uri.user !== undefined) sip.request_uri_user = uri.user;
  if (uri.host !== undefined) sip.request_uri_host = uri.host;
}

interface HeaderState {
  via: number;
  from: number;
  to: number;
  callId: number;
  cseq: number;
  maxForwards: number;
  /** -1 absent, -2 present but invalid. */
  contentLength: number;
  contentType: string | undefined;
  boundary: string | undefined;
}

/** Header value text for the event: LWS trimmed, folding collapsed, UTF-8 decoded, capped. */
function text(b: Buffer, s: number, e: number, n: number): string {
  const a = skipLws(b, s, e);
  return cap(toText(unfold(str(a, trimEnd(b, a, e)))), n);
}

function addressPart(na: NameAddr, n: number): SipAddressPart {
  const a: SipAddressPart = {};
  if (na.uri?.user) a.user = cap(na.uri.user, n);
  if (na.uri?.host) a.host = cap(na.uri.host, n);
  if (na.display) a.display_name = cap(na.display, n);
  if (na.tag) a.tag = cap(na.tag, n);
  if (na.uri?.scheme) a.scheme = na.uri.scheme;
  return a;
}

function identityUri(na: NameAddr, n: number): SipIdentityUri {
  const a: SipIdentityUri = {};
  if (na.display) a.display_name = cap(na.display, n);
  if (na.uri?.user) a.user = cap(na.uri.user, n);
  if (na.uri?.host) a.host = cap(na.uri.host, n);
  if (na.uri?.scheme) a.scheme = na.uri.scheme;
  return a;
}

// Element bounds of a multi-value header, filled by splitValues (reused: no per-header closure).
const bounds: number[] = [];

/**
 * Splits a multi-value header at top-level commas (RFC 3261 §7.3.1) into `bounds` as
 * [from0, to0, from1, to1, ...]; at most `max` elements (the rest is one last element).
 */
function splitValues(b: Buffer, s: number, e: number, max: number): number {
  let p = s;
  let n = 0;
  // Each turn moves past one comma, so at most (e - s + 1) turns.
  while (p <= e) {
    const c = n + 1 >= max ? e : nextComma(b, p, e);
    bounds[2 * n] = p;
    bounds[2 * n + 1] = c;
    n++;
    p = c + 1;
  }
  return n;
}

function readHeaders(
  buf: Buffer,
  headers: SipHeader[],
  sip: SipFields,
  anomalies: AnomalyCode[],
  limits: SipLimits,
): HeaderState {
  const st: HeaderState = {
    via: 0,
    from: 0,
    to: 0,
    callId: 0,
    cseq: 0,
    maxForwards: 0,
    contentLength: -1,
    contentType: undefined,
    boundary: undefined,
  };
  const max = limits.maxUriBytes;
  const maxList = limits.maxVia;
  for (const h of headers) {
    const vs = h.valueStart;
    const ve = h.valueEnd;
    switch (h.id) {
      case H.OTHER: {
        // P-* extension headers: names only (RFC 3325, RFC 7315 families).
        if (LOWER[buf[h.nameStart] ?? 0] === 0x70 && buf[h.nameStart + 1] === 0x2d) pHeader(h, sip, max);
        break;
      }
      case H.VIA: {
        st.via++;
        if (ve - vs > limits.viaLen) add(anomalies, 'oversize_via');
        if (skipLws(buf, vs, ve) === ve) {
          add(anomalies, 'empty_via');
          break;
        }
        const vias = (sip.via ??= []);
        // One more than the cap so that overflow is seen and reported.
        const n = splitValues(buf, vs, ve, maxList + 1);
        for (let k = 0; k < n; k++) {
          const a = bounds[2 * k] ?? 0;
          const e = bounds[2 * k + 1] ?? 0;
          if (skipLws(buf, a, e) === e) {
            add(anomalies, 'bad_via');
            continue;
          }
          if (vias.length >= maxList) {
            add(anomalies, 'too_many_via');
            break;
          }
          const v = parseVia(buf, a, e);
          if (v.bad) add(anomalies, 'bad_via');
          if (v.via.transport !== undefined) v.via.transport = cap(v.via.transport, max);
          if (v.via.host !== undefined) v.via.host = cap(v.via.host, max);
          if (v.via.branch !== undefined) v.via.branch = cap(v.via.branch, max);
          if (v.via.received !== undefined) v.via.received = cap(v.via.received, max);
          vias.push(v.via);
        }
        if (vias.length === 0) delete sip.via;
        break;
      }
      case H.FROM:
      case H.TO: {
        const isFrom = h.id === H.FROM;
        const count = isFrom ? ++st.from : ++st.to;
        if (count > 1) {
          add(anomalies, isFrom ? 'multiple_from' : 'multiple_to');
          break;
        }
        if (ve - vs > (isFrom ? limits.fromLen : limits.toLen))
          add(anomalies, isFrom ? 'oversize_from' : 'oversize_to');
        if (skipLws(buf, vs, ve) === ve) {
          add(anomalies, isFrom ? 'empty_from' : 'empty_to');
          break;
        }
        const na = parseNameAddr(buf, vs, ve);
        if (na.bad || na.wildcard) add(anomalies, isFrom ? 'bad_from' : 'bad_to');
        if (na.unterminated) add(anomalies, 'unterminated_quoted_string');
        const part = addressPart(na, max);
        if (isFrom) sip.from = part;
        else sip.to = part;
        break;
      }
      case H.CALL_ID: {
        if (++st.callId > 1) {
          add(anomalies, 'multiple_call_id');
          break;
        }
        const t = text(buf, vs, ve, max);
        if (t.length === 0) add(anomalies, 'empty_call_id');
        else sip.call_id = t;
        if (t.length > limits.callIdLen) add(anomalies, 'oversize_call_id');
        break;
      }
      case H.CSEQ: {
        if (++st.cseq > 1) {
          add(anomalies, 'multiple_cseq');
          break;
        }
        cseq(buf, vs, ve, sip, anomalies, limits);
        break;
      }
      case H.CONTACT: {
        if (ve - vs > limits.contactLen) add(anomalies, 'oversize_contact');
        if (skipLws(buf, vs, ve) === ve) {
          add(anomalies, 'empty_contact');
          break;
        }
        const list = (sip.contact ??= []);
        const n = splitValues(buf, vs, ve, maxList);
        for (let k = 0; k < n && list.length < maxList; k++) {
          const na = parseNameAddr(buf, bounds[2 * k] ?? 0, bounds[2 * k + 1] ?? 0);
          if (na.bad) add(anomalies, 'bad_contact');
          if (na.unterminated) add(anomalies, 'unterminated_quoted_string');
          const c: SipContact = {};
          if (na.wildcard) c.wildcard = true;
          if (na.uri?.user) c.user = cap(na.uri.user, max);
          if (na.uri?.host) c.host = cap(na.uri.host, max);
          if (na.uri?.port !== undefined) c.port = na.uri.port;
          if (na.expires !== undefined) {
            if (na.expires < 0) add(anomalies, 'bad_expires');
            else c.expires = na.expires;
          }
          list.push(c);
        }
        break;
      }
      case H.MAX_FORWARDS: {
        // Max-Forwards = 1*DIGIT; 0..255 in practice (RFC 4475 §3.1.2.4 sends 300).
        st.maxForwards++;
        const n = digitsOf(buf, vs, ve);
        if (n < 0 || n > 255) add(anomalies, 'bad_max_forwards');
        else sip.max_forwards = n;
        break;
      }
      case H.EXPIRES: {
        // Expires = delta-seconds, 0..2^32-1 (RFC 3261 §20.19).
        const n = digitsOf(buf, vs, ve);
        if (n < 0 || n > MAX_DELTA_SECONDS) add(anomalies, 'bad_expires');
        else sip.expires = n;
        break;
      }
      case H.CONTENT_LENGTH: {
        if (st.contentLength !== -1) {
          add(anomalies, 'multiple_content_length');
          break;
        }
        const a = skipLws(buf, vs, ve);
        if (buf[a] === 0x2d) {
          add(anomalies, 'content_length_negative');
          st.contentLength = -2;
        } else {
          const n = parseDigits(buf, a, trimEnd(buf, a, ve));
          if (n < 0 || n > MAX_SEQ) {
            add(anomalies, 'bad_content_length');
            st.contentLength = -2;
          } else st.contentLength = n;
        }
        break;
      }
      case H.CONTENT_TYPE: {
        if (st.contentType === undefined) contentType(buf, vs, ve, sip, st, max);
        break;
      }
      case H.AUTHORIZATION:
      case H.PROXY_AUTHORIZATION: {
        if (sip.auth !== undefined) break;
        const auth = parseAuthorization(
          buf,
          vs,
          ve,
          h.id === H.AUTHORIZATION ? 'authorization' : 'proxy-authorization',
        );
        if (auth === undefined) add(anomalies, 'bad_authorization');
        else {
          if (auth.scheme !== undefined) auth.scheme = cap(auth.scheme, max);
          if (auth.username !== undefined) auth.username = cap(auth.username, max);
          if (auth.realm !== undefined) auth.realm = cap(auth.realm, max);
          if (auth.uri !== undefined) auth.uri = cap(auth.uri, max);
          sip.auth = auth;
        }
        break;
      }
      case H.P_ASSERTED_IDENTITY:
      case H.DIVERSION: {
        const id = (sip.identity ??= {});
        const list = h.id === H.DIVERSION ? (id.diversion ??= []) : (id.pai ??= []);
        const n = splitValues(buf, vs, ve, maxList);
        for (let k = 0; k < n && list.length < maxList; k++) {
          const a = bounds[2 * k] ?? 0;
          const e = bounds[2 * k + 1] ?? 0;
          if (skipLws(buf, a, e) < e) list.push(identityUri(parseNameAddr(buf, a, e), max));
        }
        if (list.length === 0) {
          if (h.id === H.DIVERSION) delete id.diversion;
          else delete id.pai;
        }
        if (h.id === H.P_ASSERTED_IDENTITY) pHeader(h, sip, max);
        break;
      }
      case H.P_PREFERRED_IDENTITY: {
        const id = (sip.identity ??= {});
        if (id.ppi === undefined && skipLws(buf, vs, ve) < ve)
          id.ppi = identityUri(parseNameAddr(buf, vs, nextComma(buf, vs, ve)), max);
        pHeader(h, sip, max);
        break;
      }
      case H.IDENTITY: {
        const id = (sip.identity ??= {});
        if (id.stir === undefined) id.stir = parseStirIdentity(text(buf, vs, ve, 1 << 16));
        break;
      }
      case H.PRIVACY: {
        const t = text(buf, vs, ve, max);
        if (t.length > 0) (sip.identity ??= {}).privacy = t;
        break;
      }
      case H.HISTORY_INFO: {
        const n = splitValues(buf, vs, ve, 1 << 30);
        let count = 0;
        for (let k = 0; k < n; k++)
          if (skipLws(buf, bounds[2 * k] ?? 0, bounds[2 * k + 1] ?? 0) < (bounds[2 * k + 1] ?? 0)) count++;
        const id = (sip.identity ??= {});
        id.history_info_count = (id.history_info_count ?? 0) + count;
        break;
      }
      case H.ROUTE:
      case H.RECORD_ROUTE: {
        const list = h.id === H.ROUTE ? (sip.route ??= []) : (sip.record_route ??= []);
        const n = splitValues(buf, vs, ve, maxList);
        for (let k = 0; k < n && list.length < maxList; k++) {
          const a = bounds[2 * k] ?? 0;
          const e = bounds[2 * k + 1] ?? 0;
          if (skipLws(buf, a, e) === e) continue;
          const na = parseNameAddr(buf, a, e);
          if (na.uriEnd > na.uriStart) list.push(cap(toText(str(na.uriStart, na.uriEnd)), max));
        }
        if (list.length === 0) {
          if (h.id === H.ROUTE) delete sip.route;
          else delete sip.record_route;
        }
        break;
      }
      case H.REFER_TO: {
        if (sip.refer_to !== undefined) break;
        const na = parseNameAddr(buf, vs, ve);
        if (na.uriEnd > na.uriStart) sip.refer_to = cap(toText(str(na.uriStart, na.uriEnd)), max);
        break;
      }
      case H.USER_AGENT:
      case H.SERVER: {
        if ((h.id === H.USER_AGENT ? sip.user_agent : sip.server) !== undefined) break;
        const t = text(buf, vs, ve, max);
        if (t.length === 0) break;
        if (h.id === H.USER_AGENT) sip.user_agent = t;
        else sip.server = t;
        break;
      }
      case H.DATE: {
        // rfc1123-date ends in "GMT" (RFC 3261 §20.17; RFC 4475 §3.1.2.12 "baddate").
        const e = trimEnd(buf, vs, ve);
        if (e - vs < 3 || buf[e - 3] !== 0x47 || buf[e - 2] !== 0x4d || buf[e - 1] !== 0x54) add(anomalies, 'bad_date');
        break;
      }
      default:
        break;
    }
  }
  if (sip.identity !== undefined && Object.keys(sip.identity).length === 0) delete sip.identity;
  return st;
}

function pHeader(h: SipHeader, sip: SipFields, max: number): void {
  const list = (sip.p_headers ??= []);
  if (list.length >= MAX_P_HEADERS) return;
  const name = cap(str(h.nameStart, h.nameEnd), max);
  if (!list.includes(name)) list.push(name);
}

function digitsOf(b: Buffer, s: number, e: number): number {
  const a = skipLws(b, s, e);
  return parseDigits(b, a, trimEnd(b, a, e));
}

/**
 * CSeq = 1*DIGIT LWS Method;  CSeq number < 2^31 (RFC 3261 §8.1.1.5, §20.16)
 */
function cseq(b: Buffer, s: number, e: number, sip: SipFields, anomalies: AnomalyCode[], limits: SipLimits): void {
  let p = skipLws(b, s, e);
  const ds = p;
  while (p < e && (b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++;
  const out: { seq?: number; method?: string } = {};
  const n = parseDigits(b, ds, p);
  if (n < 0) {
    // No number: what follows cannot be trusted to be the method either.
    add(anomalies, 'bad_cseq');
    return;
  }
  if (n > MAX_SEQ) add(anomalies, 'cseq_out_of_range');
  else out.seq = n;
  const ms = skipLws(b, p, e);
  if (ms === p) add(anomalies, 'bad_cseq');
  const me = scanToken(b, ms, e);
  if (me === ms || trimEnd(b, me, e) !== me) add(anomalies, 'bad_cseq');
  if (me > ms) {
    if (me - ms > limits.requestNameLen) add(anomalies, 'oversize_cseq_method');
    out.method = cap(cseqMethod(b, ms, me), limits.maxUriBytes);
  }
  if (out.seq !== undefined || out.method !== undefined) sip.cseq = out;
}

/** CSeq method; known methods come back interned so that the mismatch test compares literals. */
function cseqMethod(b: Buffer, s: number, e: number): string {
  for (const m of KNOWN_METHODS) {
    if (m.length !== e - s) continue;
    let k = 0;
    while (k < m.length && b[s + k] === m.charCodeAt(k)) k++;
    if (k === m.length) return m;
  }
  return str(s, e);
}

/**
 * Content-Type = media-type;  media-type = m-type SLASH m-subtype *(SEMI m-parameter)   (§20.15)
 * The event carries "type/subtype" in lower case; `boundary` is kept for multipart bodies.
 */
function contentType(b: Buffer, s: number, e: number, sip: SipFields, st: HeaderState, max: number): void {
  const a = skipLws(b, s, e);
  let semi = indexOfByte(b, 0x3b, a, e);
  if (semi < 0) semi = e;
  const te = trimEnd(b, a, semi);
  if (te === a) return;
  const t = equalsLower(b, a, te, 'application/sdp') ? 'application/sdp' : toText(unfold(str(a, te))).toLowerCase();
  st.contentType = cap(t, max);
  sip.content_type = st.contentType;
  if (semi < e && st.contentType.startsWith('multipart/')) {
    // m-parameter = m-attribute EQUAL m-value; find boundary= among them.
    let p = semi;
    while (p < e) {
      p = skipLws(b, p + 1, e);
      const ns = p;
      p = scanToken(b, p, e);
      const isBoundary = equalsLower(b, ns, p, 'boundary');
      p = skipLws(b, p, e);
      if (b[p] !== 0x3d) break;
      p = skipLws(b, p + 1, e);
      let vs = p;
      let ve: number;
      if (b[p] === 0x22) {
        const q = scanQuoted(b, p, e);
        if (q < 0) break;
        vs = p + 1;
        ve = q - 1;
        p = q;
      } else {
        p = scanToken(b, p, e);
        ve = p;
      }
      if (isBoundary) {
        if (ve > vs) st.boundary = str(vs, ve);
        break;
      }
      p = skipLws(b, p, e);
      if (b[p] !== 0x3b) break;
    }
  }
}
