//! Who the caller claims to be and how it proves it: Authorization / Proxy-Authorization (RFC 3261
//! §20.7, §20.28), P-Asserted/Preferred-Identity and the P-* family (RFC 3325, RFC 7315),
//! Diversion (RFC 5806), History-Info (RFC 7044), Privacy (RFC 3323) and Identity (RFC 8224).

import type { SipIdentityUri } from '../../../../schema/src/sip-event';
import { parseAuthorization } from '../auth';
import { LOWER as LOWER_TABLE, nextComma, skipLws } from '../chars';
import { H } from '../header-names';
import { parseNameAddr, type NameAddr } from '../name-addr';
import { parseStirIdentity } from '../stir-identity';
import { cap, type HeaderContext, type SipHeader } from './context';

// Local copy: module-level consts are constant-folded, `chars_1.X` loads are not.
const LOWER = LOWER_TABLE;
const MAX_P_HEADERS = 32;

/** The first Authorization or Proxy-Authorization: scheme, username, realm, uri (never secrets). */
export function authorization(ctx: HeaderContext, h: SipHeader): void {
  const sip = ctx.sip;
  if (sip.auth !== undefined) return;
  const max = ctx.limits.maxUriBytes;
  const header = h.id === H.AUTHORIZATION ? 'authorization' : 'proxy-authorization';
  const auth = parseAuthorization(ctx.head, ctx.buf, h.valueStart, h.valueEnd, header);
  if (auth === undefined) {
    ctx.anomaly('bad_authorization');
    return;
  }
  if (auth.scheme !== undefined) auth.scheme = cap(auth.scheme, max);
  if (auth.username !== undefined) auth.username = cap(auth.username, max);
  if (auth.realm !== undefined) auth.realm = cap(auth.realm, max);
  if (auth.uri !== undefined) auth.uri = cap(auth.uri, max);
  sip.auth = auth;
}

/** P-Asserted-Identity and Diversion: lists of name-addrs. */
export function identityList(ctx: HeaderContext, h: SipHeader): void {
  const max = ctx.limits.maxUriBytes;
  const maxList = ctx.limits.maxVia;
  const isDiversion = h.id === H.DIVERSION;
  const id = (ctx.sip.identity ??= {});
  const list = isDiversion ? (id.diversion ??= []) : (id.pai ??= []);
  const n = ctx.split(h.valueStart, h.valueEnd, maxList);
  for (let k = 0; k < n && list.length < maxList; k++) {
    const a = ctx.elementStart(k);
    const e = ctx.elementEnd(k);
    if (skipLws(ctx.buf, a, e) < e) list.push(identityUri(parseNameAddr(ctx.head, ctx.buf, a, e), max));
  }
  if (list.length === 0) {
    if (isDiversion) delete id.diversion;
    else delete id.pai;
  }
  if (!isDiversion) pHeader(ctx, h);
}

/** P-Preferred-Identity: the first value of the first one. */
export function preferredIdentity(ctx: HeaderContext, h: SipHeader): void {
  const b = ctx.buf;
  const vs = h.valueStart;
  const ve = h.valueEnd;
  const id = (ctx.sip.identity ??= {});
  if (id.ppi === undefined && skipLws(b, vs, ve) < ve)
    id.ppi = identityUri(parseNameAddr(ctx.head, b, vs, nextComma(b, vs, ve)), ctx.limits.maxUriBytes);
  pHeader(ctx, h);
}

function identityUri(na: NameAddr, n: number): SipIdentityUri {
  const a: SipIdentityUri = {};
  if (na.display) a.display_name = cap(na.display, n);
  if (na.uri?.user) a.user = cap(na.uri.user, n);
  if (na.uri?.host) a.host = cap(na.uri.host, n);
  if (na.uri?.scheme) a.scheme = na.uri.scheme;
  return a;
}

/** Identity (RFC 8224): the PASSporT claims of the first one (the signature is not verified). */
export function stirIdentity(ctx: HeaderContext, h: SipHeader): void {
  const id = (ctx.sip.identity ??= {});
  if (id.stir === undefined) id.stir = parseStirIdentity(ctx.text(h.valueStart, h.valueEnd, 1 << 16));
}

export function privacy(ctx: HeaderContext, h: SipHeader): void {
  const t = ctx.text(h.valueStart, h.valueEnd, ctx.limits.maxUriBytes);
  if (t.length > 0) (ctx.sip.identity ??= {}).privacy = t;
}

/** History-Info: only how many entries there are, over all History-Info headers. */
export function historyInfo(ctx: HeaderContext, h: SipHeader): void {
  const n = ctx.split(h.valueStart, h.valueEnd, 1 << 30);
  let count = 0;
  for (let k = 0; k < n; k++) if (skipLws(ctx.buf, ctx.elementStart(k), ctx.elementEnd(k)) < ctx.elementEnd(k)) count++;
  const id = (ctx.sip.identity ??= {});
  id.history_info_count = (id.history_info_count ?? 0) + count;
}

/** A header no reader knows: P-* extension headers are listed by name only. */
export function otherHeader(ctx: HeaderContext, h: SipHeader): void {
  const b = ctx.buf;
  if (LOWER[b[h.nameStart] ?? 0] === 0x70 && b[h.nameStart + 1] === 0x2d) pHeader(ctx, h);
}

/** The names of the P-* headers of the message, each once, at most MAX_P_HEADERS. */
function pHeader(ctx: HeaderContext, h: SipHeader): void {
  const list = (ctx.sip.p_headers ??= []);
  if (list.length >= MAX_P_HEADERS) return;
  const name = cap(ctx.head.str(h.nameStart, h.nameEnd), ctx.limits.maxUriBytes);
  if (!list.includes(name)) list.push(name);
}
