//! name-addr / addr-spec values with their parameters: From, To, Contact, PAI, PPI, Diversion,
//! Route, Refer-To (RFC 3261 §20.10, §25.1). Reads message bytes by offset; never throws.

import {
  equalsLower,
  indexOfByte,
  isLws,
  parseDigits,
  scanQuoted,
  scanToken,
  skipLws,
  trimEnd,
  TOKEN as TOKEN_TABLE,
} from './chars';
import type { HeadText } from './head-text';
import { parseUri, type ParsedUri } from './uri';

// Local copies: module-level consts are constant-folded, `chars_1.X` loads are not.
const TOKEN = TOKEN_TABLE;

export interface NameAddr {
  display?: string;
  uri?: ParsedUri;
  /** Offsets of the URI text in the message buffer. */
  uriStart: number;
  uriEnd: number;
  tag?: string;
  /** expires parameter (Contact); -1 when present but not a valid delta-seconds. */
  expires?: number;
  /** `Contact: *` */
  wildcard: boolean;
  /** Grammar violated: unbalanced <>, LWS in addr-spec, non-token display name, empty param ... */
  bad: boolean;
  /** A quoted display name has no closing quote (RFC 4475 §3.1.2.6). */
  unterminated: boolean;
}

const MAX_DELTA_SECONDS = 0xffffffff;

/**
 * ( name-addr / addr-spec ) *( SEMI generic-param )                    (RFC 3261 §25.1)
 * name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 * display-name = *(token LWS) / quoted-string
 * generic-param = token [ EQUAL gen-value ];  gen-value = token / host / quoted-string
 * "If the URI contains a comma, question mark or semicolon, the URI MUST be enclosed in angle
 * brackets" (§20.10): an addr-spec therefore ends at ';' and may not carry '?'.
 */
export function parseNameAddr(t: HeadText, b: Buffer, i: number, end: number): NameAddr {
  // Every field from the start: one object shape for all results keeps the readers monomorphic.
  const out: NameAddr = {
    display: undefined,
    uri: undefined,
    uriStart: 0,
    uriEnd: 0,
    tag: undefined,
    expires: undefined,
    wildcard: false,
    bad: false,
    unterminated: false,
  };
  let p = skipLws(b, i, end);
  end = trimEnd(b, p, end);
  if (p >= end) {
    out.bad = true;
    return out;
  }
  const c = b[p];
  if (c === 0x2a && skipLws(b, p + 1, end) === end) {
    out.wildcard = true;
    return out;
  }
  let angle = false;
  if (c === 0x22) {
    const q = scanQuoted(b, p, end);
    if (q < 0) {
      out.bad = true;
      out.unterminated = true;
      return out;
    }
    out.display = t.text(t.unquote(b, p, q));
    p = skipLws(b, q, end);
    if (b[p] !== 0x3c) {
      out.bad = true;
      return out;
    }
    angle = true;
  } else if (c === 0x3c) {
    angle = true;
  } else {
    const la = indexOfByte(b, 0x3c, p, end);
    if (la >= 0) {
      // Unquoted display name: tokens separated by LWS only (RFC 4475 §3.1.2.15 "baddn").
      const de = trimEnd(b, p, la);
      for (let k = p; k < de; k++) {
        const ch = b[k] ?? 0;
        if (!isLws(ch) && TOKEN[ch] !== 1) {
          out.bad = true;
          break;
        }
      }
      if (de > p) out.display = t.text(t.str(p, de));
      p = la;
      angle = true;
    }
  }
  if (angle) {
    let close = indexOfByte(b, 0x3e, p + 1, end);
    if (close < 0) {
      out.bad = true;
      close = end;
    }
    let us = p + 1;
    let ue = close;
    // RFC 4475 §3.1.2.14 "badaspec": no LWS between the brackets and the URI.
    if (us < ue && (isLws(b[us] ?? 0) || isLws(b[ue - 1] ?? 0))) {
      out.bad = true;
      us = skipLws(b, us, ue);
      ue = trimEnd(b, us, ue);
    }
    out.uriStart = us;
    out.uriEnd = ue;
    out.uri = parseUri(t, b, us, ue);
    if (out.uri.bad) out.bad = true;
    p = close + 1;
  } else {
    let ue = p;
    while (ue < end) {
      const ch = b[ue] ?? 0;
      if (ch === 0x3b || isLws(ch)) break;
      ue++;
    }
    out.uriStart = p;
    out.uriEnd = ue;
    out.uri = parseUri(t, b, p, ue);
    // RFC 4475 §3.1.2.13 "regbadct": URI headers outside <> are not allowed.
    if (out.uri.bad || out.uri.hasHeaders) out.bad = true;
    p = ue;
  }
  parseParams(t, b, p, end, out);
  return out;
}

function parseParams(t: HeadText, b: Buffer, p: number, end: number, out: NameAddr): void {
  // Each turn consumes at least the ';', so this ends within (end - p) turns.
  for (;;) {
    p = skipLws(b, p, end);
    if (p >= end) return;
    if (b[p] !== 0x3b) {
      out.bad = true;
      return;
    }
    p = skipLws(b, p + 1, end);
    const ns = p;
    p = scanToken(b, p, end);
    if (p === ns) {
      // Empty parameter: ";;" or a trailing ";" (RFC 4475 §3.1.2.1 "badinv01").
      out.bad = true;
      if (p < end && b[p] !== 0x3b) return;
      continue;
    }
    const ne = p;
    p = skipLws(b, p, end);
    let vs = -1;
    let ve = -1;
    if (p < end && b[p] === 0x3d) {
      p = skipLws(b, p + 1, end);
      vs = p;
      const c = b[p];
      if (c === 0x22) {
        const q = scanQuoted(b, p, end);
        if (q < 0) {
          out.bad = true;
          out.unterminated = true;
          return;
        }
        p = q;
      } else if (c === 0x5b) {
        const rb = indexOfByte(b, 0x5d, p, end);
        p = rb < 0 ? end : rb + 1;
      } else p = scanToken(b, p, end);
      ve = p;
      if (ve === vs) out.bad = true;
    }
    const n = ne - ns;
    if (n === 3 && equalsLower(b, ns, ne, 'tag')) {
      if (ve > vs) out.tag = t.text(t.str(vs, ve));
    } else if (n === 7 && equalsLower(b, ns, ne, 'expires')) {
      const v = vs >= 0 ? parseDigits(b, vs, ve) : -1;
      out.expires = v < 0 || v > MAX_DELTA_SECONDS ? -1 : v;
    }
  }
}
