//! The headers that frame and type the body: Content-Length and Content-Type (RFC 3261 §20.14, §20.15).

import { equalsLower, indexOfByte, parseDigits, scanQuoted, scanToken, skipLws, trimEnd, unfold } from '../chars';
import { cap, type HeaderContext, type SipHeader } from './context';

const MAX_CONTENT_LENGTH = 0x7fffffff;

/** Content-Length = 1*DIGIT; one only. Kept in ctx.contentLength for body framing. */
export function contentLength(ctx: HeaderContext, h: SipHeader): void {
  if (ctx.contentLength !== -1) {
    ctx.anomaly('multiple_content_length');
    return;
  }
  const b = ctx.buf;
  const a = skipLws(b, h.valueStart, h.valueEnd);
  if (b[a] === 0x2d) {
    ctx.anomaly('content_length_negative');
    ctx.contentLength = -2;
    return;
  }
  const n = parseDigits(b, a, trimEnd(b, a, h.valueEnd));
  if (n < 0 || n > MAX_CONTENT_LENGTH) {
    ctx.anomaly('bad_content_length');
    ctx.contentLength = -2;
  } else ctx.contentLength = n;
}

/**
 * Content-Type = media-type;  media-type = m-type SLASH m-subtype *(SEMI m-parameter)   (§20.15)
 * The event carries "type/subtype" in lower case (the first one); `boundary` is kept for multipart bodies.
 */
export function contentType(ctx: HeaderContext, h: SipHeader): void {
  if (ctx.contentType !== undefined) return;
  const b = ctx.buf;
  const e = h.valueEnd;
  const a = skipLws(b, h.valueStart, e);
  let semi = indexOfByte(b, 0x3b, a, e);
  if (semi < 0) semi = e;
  const te = trimEnd(b, a, semi);
  if (te === a) return;
  const t = equalsLower(b, a, te, 'application/sdp')
    ? 'application/sdp'
    : ctx.head.text(unfold(ctx.head.str(a, te))).toLowerCase();
  const type = cap(t, ctx.limits.maxUriBytes);
  ctx.contentType = type;
  ctx.sip.content_type = type;
  if (semi < e && type.startsWith('multipart/')) boundaryParameter(ctx, semi, e);
}

/** m-parameter = m-attribute EQUAL m-value, after the media type: the boundary= one, if any. */
function boundaryParameter(ctx: HeaderContext, semi: number, e: number): void {
  const b = ctx.buf;
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
      if (ve > vs) ctx.boundary = ctx.head.str(vs, ve);
      break;
    }
    p = skipLws(b, p, e);
    if (b[p] !== 0x3b) break;
  }
}
