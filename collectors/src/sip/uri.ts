//! URI parsing for SIP header values and the Request-URI: sip/sips (RFC 3261 §19.1.1), tel
//! (RFC 3966) and any other scheme (kept opaque). Reads message bytes by offset; never throws.

import { indexOfByte, LOWER as LOWER_TABLE, percentDecode } from './chars';
import type { HeadText } from './head-text';

// Local copy: module-level consts are constant-folded, `chars_1.X` loads are not.
const LOWER = LOWER_TABLE;

export interface ParsedUri {
  /** Lower-cased scheme, '' when there is none. */
  scheme: string;
  user?: string;
  host?: string;
  port?: number;
  /** A `?headers` part was present (not allowed in a Request-URI, RFC 3261 §19.1.1 table). */
  hasHeaders: boolean;
  /** The text does not follow the URI grammar (LWS inside, bad host or port, no scheme ...). */
  bad: boolean;
}

const SCHEME_CHAR = new Uint8Array(256);
const HOST_CHAR = new Uint8Array(256);
const IPV6_CHAR = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const digit = c >= 0x30 && c <= 0x39;
  SCHEME_CHAR[c] = alpha || digit || c === 0x2b || c === 0x2d || c === 0x2e ? 1 : 0;
  // hostname = *( domainlabel "." ) toplabel; underscore is not legal but common in the wild.
  HOST_CHAR[c] = alpha || digit || c === 0x2d || c === 0x2e || c === 0x5f ? 1 : 0;
  IPV6_CHAR[c] = digit || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c === 0x3a || c === 0x2e ? 1 : 0;
}

function schemeOf(t: HeadText, b: Buffer, i: number, colon: number): string {
  const n = colon - i;
  // The schemes we see almost always come back interned: no slice, no toLowerCase.
  if (n === 3 || n === 4) {
    const x = LOWER[b[i] ?? 0],
      y = LOWER[b[i + 1] ?? 0],
      z = LOWER[b[i + 2] ?? 0];
    if (x === 0x73 && y === 0x69 && z === 0x70) {
      if (n === 3) return 'sip';
      if (LOWER[b[i + 3] ?? 0] === 0x73) return 'sips';
    } else if (n === 3 && x === 0x74 && y === 0x65 && z === 0x6c) return 'tel';
  }
  // Registered schemes are short (RFC 7595); a longer one is cut so the event stays bounded.
  return t.str(i, Math.min(colon, i + MAX_SCHEME)).toLowerCase();
}

const MAX_SCHEME = 64;

/**
 * SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]      (RFC 3261 §25.1)
 * userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 * hostport = host [ ":" port ];  host = hostname / IPv4address / IPv6reference
 * telephone-uri = "tel:" telephone-subscriber                            (RFC 3966 §3)
 * The password is never returned: it is a credential.
 */
export function parseUri(t: HeadText, b: Buffer, i: number, end: number): ParsedUri {
  // Every field from the start: one object shape for all results keeps the readers monomorphic.
  const out: ParsedUri = {
    scheme: '',
    user: undefined,
    host: undefined,
    port: undefined,
    hasHeaders: false,
    bad: false,
  };
  let p = i;
  while (p < end && SCHEME_CHAR[b[p] ?? 0] === 1) p++;
  if (p === i || p >= end || b[p] !== 0x3a) {
    out.bad = true;
    return out;
  }
  out.scheme = schemeOf(t, b, i, p);
  p++;
  for (let k = p; k < end; k++) {
    const c = b[k] ?? 0;
    // c <= 0x20 covers SP, HTAB, CR and LF (LWS) as well as the other controls.
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e) {
      out.bad = true;
      break;
    }
  }
  if (out.scheme === 'sip' || out.scheme === 'sips') parseSipTail(t, b, p, end, out);
  else if (out.scheme === 'tel') {
    let e = indexOfByte(b, 0x3b, p, end);
    if (e < 0) e = end;
    if (e === p) out.bad = true;
    else out.user = t.text(t.str(p, e));
  }
  return out;
}

function parseSipTail(t: HeadText, b: Buffer, p: number, end: number, out: ParsedUri): void {
  // '@' is not allowed unescaped in params or headers, so the first one ends the userinfo.
  const atSign = indexOfByte(b, 0x40, p, end);
  let h = p;
  if (atSign >= 0) {
    let ue = indexOfByte(b, 0x3a, p, atSign);
    if (ue < 0) ue = atSign;
    if (ue === p) out.bad = true;
    else out.user = t.text(percentDecode(t.str(p, ue)));
    h = atSign + 1;
  }
  let e = h;
  if (b[h] === 0x5b) {
    // IPv6reference = "[" IPv6address "]"; the event carries the address without brackets.
    e = h + 1;
    while (e < end && b[e] !== 0x5d) {
      if (IPV6_CHAR[b[e] ?? 0] !== 1) out.bad = true;
      e++;
    }
    if (e >= end) {
      out.bad = true;
      out.host = t.str(h + 1, end);
      return;
    }
    out.host = t.str(h + 1, e);
    e++;
  } else {
    while (e < end) {
      const c = b[e] ?? 0;
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
      if (HOST_CHAR[c] !== 1) out.bad = true;
      e++;
    }
    if (e === h) out.bad = true;
    else out.host = t.str(h, e);
  }
  if (e < end && b[e] === 0x3a) {
    let pe = e + 1;
    let port = 0;
    while (pe < end) {
      const c = b[pe] ?? 0;
      if (c < 0x30 || c > 0x39) break;
      if (port <= 65535) port = port * 10 + (c - 0x30);
      pe++;
    }
    if (pe === e + 1 || port > 65535 || (pe < end && b[pe] !== 0x3b && b[pe] !== 0x3f)) out.bad = true;
    else out.port = port;
    e = pe;
  } else if (e < end && b[e] !== 0x3b && b[e] !== 0x3f) out.bad = true;
  if (indexOfByte(b, 0x3f, e, end) >= 0) out.hasHeaders = true;
}
