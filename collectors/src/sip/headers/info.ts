//! Headers read for what they tell about the peer or the request's lifetime: User-Agent, Server,
//! Date and Expires (RFC 3261 §20.41, §20.35, §20.17, §20.19).

import { trimEnd } from '../chars';
import { H } from '../header-names';
import type { HeaderContext, SipHeader } from './context';
import { digitsOf } from './routing';

const MAX_DELTA_SECONDS = 0xffffffff;

/** User-Agent / Server: the first non-empty one of each, as text. */
export function software(ctx: HeaderContext, h: SipHeader): void {
  const sip = ctx.sip;
  const isUserAgent = h.id === H.USER_AGENT;
  if ((isUserAgent ? sip.user_agent : sip.server) !== undefined) return;
  const t = ctx.text(h.valueStart, h.valueEnd, ctx.limits.maxUriBytes);
  if (t.length === 0) return;
  if (isUserAgent) sip.user_agent = t;
  else sip.server = t;
}

/** rfc1123-date ends in "GMT" (RFC 3261 §20.17; RFC 4475 §3.1.2.12 "baddate"). */
export function date(ctx: HeaderContext, h: SipHeader): void {
  const b = ctx.buf;
  const e = trimEnd(b, h.valueStart, h.valueEnd);
  if (e - h.valueStart < 3 || b[e - 3] !== 0x47 || b[e - 2] !== 0x4d || b[e - 1] !== 0x54) ctx.anomaly('bad_date');
}

/** Expires = delta-seconds, 0..2^32-1 (RFC 3261 §20.19). */
export function expires(ctx: HeaderContext, h: SipHeader): void {
  const n = digitsOf(ctx.buf, h.valueStart, h.valueEnd);
  if (n < 0 || n > MAX_DELTA_SECONDS) ctx.anomaly('bad_expires');
  else ctx.sip.expires = n;
}
