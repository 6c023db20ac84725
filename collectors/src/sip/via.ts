//! One Via value (RFC 3261 §20.42, §25.1): sent-protocol, sent-by and the parameters the event
//! carries. Reads message bytes by offset; never throws.

import type { SipVia } from '../../../schema/src/sip-event';
import { equalsLower, indexOfByte, isLws, parseDigits, scanQuoted, scanToken, skipLws } from './chars';
import type { HeadText } from './head-text';

export interface ParsedVia {
  via: SipVia;
  bad: boolean;
}

const TRANSPORTS: readonly string[] = ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'TLS-SCTP', 'DTLS'];
const TRANSPORTS_LOWER = TRANSPORTS.map((t) => t.toLowerCase());

/** Upper-case transport; registered ones come back interned (no new string per Via). */
function transportOf(t: HeadText, b: Buffer, a: number, e: number): string {
  for (let k = 0; k < TRANSPORTS.length; k++)
    if (equalsLower(b, a, e, TRANSPORTS_LOWER[k] ?? '')) return TRANSPORTS[k] ?? '';
  return t.str(a, e).toUpperCase();
}

/**
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
 * sent-by = host [ COLON port ]
 * via-params = via-ttl / via-maddr / via-received / via-branch / response-port / via-extension
 * response-port = "rport" [EQUAL 1*DIGIT]                               (RFC 3581 §4)
 */
export function parseVia(t: HeadText, b: Buffer, i: number, end: number): ParsedVia {
  const via: SipVia = {};
  const out: ParsedVia = { via, bad: false };
  let p = skipLws(b, i, end);
  const pn = p;
  p = scanToken(b, p, end);
  if (p === pn) {
    out.bad = true;
    return out;
  }
  let ok = equalsLower(b, pn, p, 'sip');
  p = skipLws(b, p, end);
  if (b[p] !== 0x2f) {
    out.bad = true;
    return out;
  }
  p = skipLws(b, p + 1, end);
  const vs = p;
  p = scanToken(b, p, end);
  ok = ok && p - vs === 3 && b[vs] === 0x32 && b[vs + 1] === 0x2e && b[vs + 2] === 0x30;
  p = skipLws(b, p, end);
  if (b[p] !== 0x2f) {
    out.bad = true;
    return out;
  }
  p = skipLws(b, p + 1, end);
  const ts = p;
  p = scanToken(b, p, end);
  if (p === ts) {
    out.bad = true;
    return out;
  }
  via.transport = transportOf(t, b, ts, p);
  if (!ok || p >= end || !isLws(b[p] ?? 0)) out.bad = true;
  p = skipLws(b, p, end);
  // sent-by host: IPv6 reference or hostname/IPv4; brackets are dropped so it compares to an IP.
  const hs = p;
  if (b[p] === 0x5b) {
    const rb = indexOfByte(b, 0x5d, p, end);
    if (rb < 0) {
      out.bad = true;
      return out;
    }
    via.host = t.str(hs + 1, rb);
    p = rb + 1;
  } else {
    while (p < end) {
      const c = b[p] ?? 0;
      if (c === 0x3a || c === 0x3b || isLws(c)) break;
      p++;
    }
    if (p === hs) {
      out.bad = true;
      return out;
    }
    via.host = t.text(t.str(hs, p));
  }
  p = skipLws(b, p, end);
  if (p < end && b[p] === 0x3a) {
    p = skipLws(b, p + 1, end);
    const ps = p;
    while (p < end && (b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++;
    const port = parseDigits(b, ps, p);
    if (port < 0 || port > 65535) out.bad = true;
    else via.port = port;
  }
  // Each turn consumes at least the ';', so this ends within (end - p) turns.
  for (;;) {
    p = skipLws(b, p, end);
    if (p >= end) break;
    if (b[p] !== 0x3b) {
      out.bad = true;
      break;
    }
    p = skipLws(b, p + 1, end);
    const ns = p;
    p = scanToken(b, p, end);
    if (p === ns) {
      out.bad = true;
      continue;
    }
    const ne = p;
    p = skipLws(b, p, end);
    let v0 = -1;
    let v1 = -1;
    if (p < end && b[p] === 0x3d) {
      p = skipLws(b, p + 1, end);
      v0 = p;
      const c = b[p];
      if (c === 0x22) {
        const q = scanQuoted(b, p, end);
        p = q < 0 ? end : q;
        if (q < 0) out.bad = true;
      } else if (c === 0x5b) {
        const rb = indexOfByte(b, 0x5d, p, end);
        p = rb < 0 ? end : rb + 1;
      } else {
        // IPv6 received values come without brackets (RFC 3261 §20.42: received = IPv6address).
        while (p < end) {
          const ch = b[p] ?? 0;
          if (ch === 0x3b || ch === 0x2c || isLws(ch)) break;
          p++;
        }
      }
      v1 = p;
      if (v1 === v0) out.bad = true;
    }
    const n = ne - ns;
    if (n === 6 && equalsLower(b, ns, ne, 'branch')) {
      if (v1 > v0) via.branch = t.text(t.str(v0, v1));
      else out.bad = true;
    } else if (n === 8 && equalsLower(b, ns, ne, 'received')) {
      if (v1 > v0) via.received = t.str(v0, v1);
    } else if (n === 5 && equalsLower(b, ns, ne, 'rport')) {
      if (v0 < 0) via.rport = true;
      else {
        const port = parseDigits(b, v0, v1);
        if (port < 0 || port > 65535) out.bad = true;
        else via.rport = port;
      }
    }
  }
  return out;
}
