//! The headers that identify a dialog and a transaction: From, To, Call-ID, CSeq (RFC 3261 §8.1.1).

import type { SipAddressPart } from '../../../../schema/src/sip-event';
import { parseDigits, scanToken, skipLws, trimEnd } from '../chars';
import { H } from '../header-names';
import { parseNameAddr, type NameAddr } from '../name-addr';
import { KNOWN_METHODS } from '../start-line';
import { cap, type HeaderContext, type SipHeader } from './context';

const MAX_SEQ = 0x7fffffff;

/** From / To: one each; name-addr or addr-spec with tag (RFC 3261 §20.20, §20.39). */
export function fromOrTo(ctx: HeaderContext, h: SipHeader): void {
  const vs = h.valueStart;
  const ve = h.valueEnd;
  const isFrom = h.id === H.FROM;
  const count = isFrom ? ++ctx.from : ++ctx.to;
  if (count > 1) {
    ctx.anomaly(isFrom ? 'multiple_from' : 'multiple_to');
    return;
  }
  if (ve - vs > (isFrom ? ctx.limits.fromLen : ctx.limits.toLen)) ctx.anomaly(isFrom ? 'oversize_from' : 'oversize_to');
  if (skipLws(ctx.buf, vs, ve) === ve) {
    ctx.anomaly(isFrom ? 'empty_from' : 'empty_to');
    return;
  }
  const na = parseNameAddr(ctx.head, ctx.buf, vs, ve);
  if (na.bad || na.wildcard) ctx.anomaly(isFrom ? 'bad_from' : 'bad_to');
  if (na.unterminated) ctx.anomaly('unterminated_quoted_string');
  const part = addressPart(na, ctx.limits.maxUriBytes);
  if (isFrom) ctx.sip.from = part;
  else ctx.sip.to = part;
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

export function callId(ctx: HeaderContext, h: SipHeader): void {
  if (++ctx.callId > 1) {
    ctx.anomaly('multiple_call_id');
    return;
  }
  const t = ctx.text(h.valueStart, h.valueEnd, ctx.limits.maxUriBytes);
  if (t.length === 0) ctx.anomaly('empty_call_id');
  else ctx.sip.call_id = t;
  if (t.length > ctx.limits.callIdLen) ctx.anomaly('oversize_call_id');
}

/**
 * CSeq = 1*DIGIT LWS Method;  CSeq number < 2^31 (RFC 3261 §8.1.1.5, §20.16)
 */
export function cseq(ctx: HeaderContext, h: SipHeader): void {
  if (++ctx.cseq > 1) {
    ctx.anomaly('multiple_cseq');
    return;
  }
  const b = ctx.buf;
  const e = h.valueEnd;
  let p = skipLws(b, h.valueStart, e);
  const ds = p;
  while (p < e && (b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++;
  const out: { seq?: number; method?: string } = {};
  const n = parseDigits(b, ds, p);
  if (n < 0) {
    // No number: what follows cannot be trusted to be the method either.
    ctx.anomaly('bad_cseq');
    return;
  }
  if (n > MAX_SEQ) ctx.anomaly('cseq_out_of_range');
  else out.seq = n;
  const ms = skipLws(b, p, e);
  if (ms === p) ctx.anomaly('bad_cseq');
  const me = scanToken(b, ms, e);
  if (me === ms || trimEnd(b, me, e) !== me) ctx.anomaly('bad_cseq');
  if (me > ms) {
    if (me - ms > ctx.limits.requestNameLen) ctx.anomaly('oversize_cseq_method');
    out.method = cap(cseqMethod(ctx, ms, me), ctx.limits.maxUriBytes);
  }
  if (out.seq !== undefined || out.method !== undefined) ctx.sip.cseq = out;
}

/** CSeq method; known methods come back interned so that the mismatch test compares literals. */
function cseqMethod(ctx: HeaderContext, s: number, e: number): string {
  const b = ctx.buf;
  for (const m of KNOWN_METHODS) {
    if (m.length !== e - s) continue;
    let k = 0;
    while (k < m.length && b[s + k] === m.charCodeAt(k)) k++;
    if (k === m.length) return m;
  }
  return ctx.head.str(s, e);
}
