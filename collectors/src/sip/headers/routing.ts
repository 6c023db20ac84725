//! The headers that say where a request goes and came from: Via, Contact, Route, Record-Route,
//! Refer-To and Max-Forwards (RFC 3261 §8.1.1.7, §20.10, §20.22, §20.30, §20.34, §20.42; RFC 3515).

import type { SipContact } from '../../../../schema/src/sip-event';
import { parseDigits, skipLws, trimEnd } from '../chars';
import { H } from '../header-names';
import { parseNameAddr } from '../name-addr';
import { parseVia } from '../via';
import { cap, type HeaderContext, type SipHeader } from './context';

/** Via: comma-separated, at most limits.maxVia entries over all Via headers of the message. */
export function via(ctx: HeaderContext, h: SipHeader): void {
  const buf = ctx.buf;
  const vs = h.valueStart;
  const ve = h.valueEnd;
  const max = ctx.limits.maxUriBytes;
  const maxList = ctx.limits.maxVia;
  ctx.via++;
  if (ve - vs > ctx.limits.viaLen) ctx.anomaly('oversize_via');
  if (skipLws(buf, vs, ve) === ve) {
    ctx.anomaly('empty_via');
    return;
  }
  const vias = (ctx.sip.via ??= []);
  // One more than the cap so that overflow is seen and reported.
  const n = ctx.split(vs, ve, maxList + 1);
  for (let k = 0; k < n; k++) {
    const a = ctx.elementStart(k);
    const e = ctx.elementEnd(k);
    if (skipLws(buf, a, e) === e) {
      ctx.anomaly('bad_via');
      continue;
    }
    if (vias.length >= maxList) {
      ctx.anomaly('too_many_via');
      break;
    }
    const v = parseVia(ctx.head, buf, a, e);
    if (v.bad) ctx.anomaly('bad_via');
    if (v.via.transport !== undefined) v.via.transport = cap(v.via.transport, max);
    if (v.via.host !== undefined) v.via.host = cap(v.via.host, max);
    if (v.via.branch !== undefined) v.via.branch = cap(v.via.branch, max);
    if (v.via.received !== undefined) v.via.received = cap(v.via.received, max);
    vias.push(v.via);
  }
  if (vias.length === 0) delete ctx.sip.via;
}

/** Contact: name-addr list or `*`, with expires parameters (RFC 3261 §20.10). */
export function contact(ctx: HeaderContext, h: SipHeader): void {
  const vs = h.valueStart;
  const ve = h.valueEnd;
  const max = ctx.limits.maxUriBytes;
  const maxList = ctx.limits.maxVia;
  if (ve - vs > ctx.limits.contactLen) ctx.anomaly('oversize_contact');
  if (skipLws(ctx.buf, vs, ve) === ve) {
    ctx.anomaly('empty_contact');
    return;
  }
  const list = (ctx.sip.contact ??= []);
  const n = ctx.split(vs, ve, maxList);
  for (let k = 0; k < n && list.length < maxList; k++) {
    const na = parseNameAddr(ctx.head, ctx.buf, ctx.elementStart(k), ctx.elementEnd(k));
    if (na.bad) ctx.anomaly('bad_contact');
    if (na.unterminated) ctx.anomaly('unterminated_quoted_string');
    const c: SipContact = {};
    if (na.wildcard) c.wildcard = true;
    if (na.uri?.user) c.user = cap(na.uri.user, max);
    if (na.uri?.host) c.host = cap(na.uri.host, max);
    if (na.uri?.port !== undefined) c.port = na.uri.port;
    if (na.expires !== undefined) {
      if (na.expires < 0) ctx.anomaly('bad_expires');
      else c.expires = na.expires;
    }
    list.push(c);
  }
}

/** Route / Record-Route: the URIs of the route set, in order. */
export function routeSet(ctx: HeaderContext, h: SipHeader): void {
  const max = ctx.limits.maxUriBytes;
  const maxList = ctx.limits.maxVia;
  const isRoute = h.id === H.ROUTE;
  const list = isRoute ? (ctx.sip.route ??= []) : (ctx.sip.record_route ??= []);
  const n = ctx.split(h.valueStart, h.valueEnd, maxList);
  for (let k = 0; k < n && list.length < maxList; k++) {
    const a = ctx.elementStart(k);
    const e = ctx.elementEnd(k);
    if (skipLws(ctx.buf, a, e) === e) continue;
    const na = parseNameAddr(ctx.head, ctx.buf, a, e);
    if (na.uriEnd > na.uriStart) list.push(cap(ctx.head.text(ctx.head.str(na.uriStart, na.uriEnd)), max));
  }
  if (list.length === 0) {
    if (isRoute) delete ctx.sip.route;
    else delete ctx.sip.record_route;
  }
}

/** Refer-To (RFC 3515): the first one's URI. */
export function referTo(ctx: HeaderContext, h: SipHeader): void {
  if (ctx.sip.refer_to !== undefined) return;
  const na = parseNameAddr(ctx.head, ctx.buf, h.valueStart, h.valueEnd);
  if (na.uriEnd > na.uriStart)
    ctx.sip.refer_to = cap(ctx.head.text(ctx.head.str(na.uriStart, na.uriEnd)), ctx.limits.maxUriBytes);
}

/** Max-Forwards = 1*DIGIT; 0..255 in practice (RFC 4475 §3.1.2.4 sends 300). */
export function maxForwards(ctx: HeaderContext, h: SipHeader): void {
  ctx.maxForwards++;
  const n = digitsOf(ctx.buf, h.valueStart, h.valueEnd);
  if (n < 0 || n > 255) ctx.anomaly('bad_max_forwards');
  else ctx.sip.max_forwards = n;
}

/** A header value that is a bare number (LWS around it allowed); -1 when it is not. */
export function digitsOf(b: Buffer, s: number, e: number): number {
  const a = skipLws(b, s, e);
  return parseDigits(b, a, trimEnd(b, a, e));
}
