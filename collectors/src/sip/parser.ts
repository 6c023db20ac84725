//! SIP message parser: bytes of one message → SipMessage (offsets + the fields the SIP event carries
//! + anomaly codes). RFC 3261 §7 and §25 as used in the wild; never throws, linear in the input.

import { isAscii, isUtf8 } from 'node:buffer';
import type { AnomalyCode } from '../../../schema/src/anomalies';
import type { SipFields } from '../../../schema/src/sip-event';
import { TOKEN as TOKEN_TABLE } from './chars';
import { headerId } from './header-names';
import { addAnomaly as add, cap, HeaderContext, type SipHeader } from './headers/context';
import { readHeaders } from './headers/read-headers';
import { resolveLimits, type SipLimits } from './limits';
import { findSdpPart } from './multipart';
import { parseSdp } from './sdp';
import { isKnownMethod, parseStartLine, probeSip } from './start-line';
import { parseUri } from './uri';

// Local copy: module-level consts are constant-folded, `chars_1.X` loads are not.
const TOKEN = TOKEN_TABLE;

export { probeSip } from './start-line';

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

/**
 * One parser per decoding thread or stage: its state (the head text of the message being parsed,
 * the header readers' scratch, the resolved limits) lives here, never at module level. Parsing is
 * synchronous, so one instance parses any number of messages, one at a time.
 */
export class SipParser {
  private readonly ctx = new HeaderContext();
  // Resolved limits of the last two option objects: a decoder alternates between its datagram and
  // its stream options on mixed UDP/TCP traffic, and resolving on every switch cost ~1 % of decode.
  private cachedOpts: SipParseOptions | undefined = undefined;
  private cachedLimits: SipLimits = resolveLimits();
  private otherOpts: SipParseOptions | undefined = undefined;
  private otherLimits: SipLimits = this.cachedLimits;

  private limitsFor(opts: SipParseOptions | undefined): SipLimits {
    if (opts === this.cachedOpts) return this.cachedLimits;
    const limits = opts === this.otherOpts ? this.otherLimits : resolveLimits(opts);
    this.otherOpts = this.cachedOpts;
    this.otherLimits = this.cachedLimits;
    this.cachedOpts = opts;
    this.cachedLimits = limits;
    return limits;
  }

  /** See parseSipMessage. */
  parse(buf: Buffer, start: number, end: number, opts?: SipParseOptions): SipMessage {
    const ctx = this.ctx;
    try {
      return parseWith(ctx, this.limitsFor(opts), buf, start, end, opts);
    } finally {
      ctx.end();
    }
  }
}

let defaultParser: SipParser | undefined;

/**
 * SIP-message = Request / Response                                      (RFC 3261 §7, §25.1)
 * Request = Request-Line *( message-header ) CRLF [ message-body ]
 * message-header = header-name HCOLON header-value CRLF;  HCOLON = *( SP / HTAB ) ":" SWS
 * Continuation lines start with SP/HTAB (§7.3.1); LF alone is tolerated and reported (bare_lf);
 * CRLFs before the start line are ignored (§7.5).
 * A shared default parser, for tests and one-off callers; decode paths own a SipParser each.
 * @internal
 */
export function parseSipMessage(buf: Buffer, start: number, end: number, opts?: SipParseOptions): SipMessage {
  return (defaultParser ??= new SipParser()).parse(buf, start, end, opts);
}

function parseWith(
  ctx: HeaderContext,
  limits: SipLimits,
  buf: Buffer,
  start: number,
  end: number,
  opts: SipParseOptions | undefined,
): SipMessage {
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

  // One latin1 string for the whole head; every field below is a slice of it (head-text.ts).
  ctx.head.reset(buf, start, headerEnd, ascii);
  ctx.begin(buf, sip, anomalies, limits);
  const text = ctx.head;
  if (line.type === 'request') {
    if (line.method !== undefined) {
      sip.method = cap(line.method, limits.maxUriBytes);
      if (!isKnownMethod(line.method)) add(anomalies, 'unknown_method');
    }
    requestUri(ctx, line.uriStart, line.uriEnd);
  } else {
    if (line.statusCode !== undefined) sip.status_code = line.statusCode;
    if (line.reasonEnd > line.reasonStart) {
      sip.reason_phrase = cap(text.text(text.str(line.reasonStart, line.reasonEnd)), limits.maxUriBytes);
    }
  }
  readHeaders(ctx, headers);
  const st = ctx; // header counts and Content-Length/Type, read below

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

function sdpOf(buf: Buffer, bs: number, be: number, st: HeaderContext, sip: SipFields, anomalies: AnomalyCode[]): void {
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
function requestUri(ctx: HeaderContext, us: number, ue: number): void {
  const { buf, sip, limits } = ctx;
  if (ue <= us) {
    ctx.anomaly('empty_request_uri');
    return;
  }
  if (ue - us > limits.uriLen) ctx.anomaly('oversize_request_uri');
  if (ue - us > limits.maxUriBytes) ue = us + limits.maxUriBytes;
  sip.request_uri = ctx.head.text(ctx.head.str(us, ue));
  const uri = parseUri(ctx.head, buf, us, ue);
  if (uri.bad || buf[us] === 0x3c || (uri.hasHeaders && (uri.scheme === 'sip' || uri.scheme === 'sips'))) {
    ctx.anomaly('bad_request_uri');
  }
  if (uri.scheme) sip.request_uri_scheme = uri.scheme;
  if (uri.user !== undefined) sip.request_uri_user = uri.user;
  if (uri.host !== undefined) sip.request_uri_host = uri.host;
}
