//! Request-Line and Status-Line (RFC 3261 §7.1, §7.2, §25.1), plus probeSip: the same grammar as a
//! cheap yes/no test that lets the decoder drop non-SIP traffic on SIP ports.

import type { AnomalyCode } from '../../../schema/src/anomalies';
import { SIP_METHODS } from '../../../schema/src/sip-methods';
import { latin1, TOKEN as TOKEN_TABLE } from './chars';

// Local copies: module-level consts are constant-folded, `chars_1.X` loads are not.
const TOKEN = TOKEN_TABLE;

/** The known methods (schema/src/sip-methods.ts), in the order methodName tries them. */
export const KNOWN_METHODS: readonly string[] = SIP_METHODS;
const KNOWN = new Set(KNOWN_METHODS);

export function isKnownMethod(method: string): boolean {
  return KNOWN.has(method);
}

/** Method name from bytes; known methods come back as the interned literal (no new string). */
export function methodName(buf: Buffer, s: number, e: number): string {
  const n = e - s;
  const c0 = buf[s];
  for (const m of KNOWN_METHODS) {
    if (m.length !== n || m.charCodeAt(0) !== c0) continue;
    let k = 1;
    while (k < n && buf[s + k] === m.charCodeAt(k)) k++;
    if (k === n) return m;
  }
  return latin1(buf, s, e);
}

/** "SIP" "/" 1*DIGIT "." 1*DIGIT at [s, e): 2 = exactly SIP/2.0, 1 = another version, 0 = not a version. */
export function versionKind(buf: Buffer, s: number, e: number): 0 | 1 | 2 {
  if (e - s < 7) return 0;
  if (((buf[s] ?? 0) | 0x20) !== 0x73 || ((buf[s + 1] ?? 0) | 0x20) !== 0x69 || ((buf[s + 2] ?? 0) | 0x20) !== 0x70)
    return 0;
  if (buf[s + 3] !== 0x2f) return 0;
  let p = s + 4;
  const d0 = p;
  while (p < e && isDigit(buf[p])) p++;
  if (p === d0 || p >= e || buf[p] !== 0x2e) return 0;
  p++;
  const d1 = p;
  while (p < e && isDigit(buf[p])) p++;
  if (p === d1 || p !== e) return 0;
  return e - s === 7 && buf[s + 4] === 0x32 && buf[s + 6] === 0x30 ? 2 : 1;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

export interface StartLine {
  type: 'request' | 'response';
  /** Requests: the method and Request-URI offsets (uriEnd <= uriStart when empty). */
  method?: string;
  uriStart: number;
  uriEnd: number;
  statusCode?: number;
  reasonStart: number;
  reasonEnd: number;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF
 * Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 * Status-Code  = 3DIGIT;  Method = token;  exactly one SP between elements (RFC 4475 §3.1.2.9-10).
 * `e` is the line end without CRLF.
 */
export function parseStartLine(buf: Buffer, s: number, e: number, anomalies: AnomalyCode[]): StartLine {
  const line: StartLine = { type: 'request', uriStart: 0, uriEnd: 0, reasonStart: 0, reasonEnd: 0 };
  let sp1 = buf.indexOf(0x20, s);
  if (sp1 < 0 || sp1 > e) sp1 = e;
  if (versionKind(buf, s, sp1) !== 0) {
    line.type = 'response';
    if (versionKind(buf, s, sp1) !== 2) anomalies.push('bad_version');
    if (sp1 >= e) {
      anomalies.push('bad_status_line');
      return line;
    }
    let p = sp1 + 1;
    const cs = p;
    let code = 0;
    while (p < e && isDigit(buf[p]) && p - cs < 10) {
      code = code * 10 + ((buf[p] ?? 0) - 0x30);
      p++;
    }
    if (p - cs !== 3 || code < 100 || (p < e && buf[p] !== 0x20)) anomalies.push('bad_status_code');
    else line.statusCode = code;
    // Reason-Phrase may be empty; "SIP/2.0 100 " and "SIP/2.0 100" both occur (RFC 4475 §3.1.1.13).
    while (p < e && buf[p] !== 0x20) p++;
    line.reasonStart = p < e ? p + 1 : e;
    line.reasonEnd = e;
    return line;
  }
  // Request. Method = token.
  if (sp1 === s || sp1 >= e) {
    anomalies.push('bad_request_line');
    if (sp1 > s) line.method = methodName(buf, s, sp1);
    return line;
  }
  for (let k = s; k < sp1; k++) {
    if (TOKEN[buf[k] ?? 0] !== 1) {
      anomalies.push('bad_request_line');
      break;
    }
  }
  line.method = methodName(buf, s, sp1);
  let le = e;
  if (buf[le - 1] === 0x20) {
    anomalies.push('bad_request_line');
    while (le > sp1 && buf[le - 1] === 0x20) le--;
  }
  let lastSp = le - 1;
  while (lastSp > sp1 && buf[lastSp] !== 0x20) lastSp--;
  const vk = versionKind(buf, lastSp + 1, le);
  if (vk !== 2) {
    anomalies.push('bad_version');
    if (vk === 0) anomalies.push('bad_request_line');
  }
  let us = sp1 + 1;
  let ue = lastSp;
  if (lastSp <= sp1) {
    // Only two elements.
    if (!anomalies.includes('bad_request_line')) anomalies.push('bad_request_line');
    ue = us;
  }
  if (ue <= us || buf[us] === 0x20 || buf[ue - 1] === 0x20) {
    if (!anomalies.includes('bad_request_line')) anomalies.push('bad_request_line');
    while (us < ue && buf[us] === 0x20) us++;
    while (ue > us && buf[ue - 1] === 0x20) ue--;
  }
  const inner = buf.indexOf(0x20, us);
  if (inner >= 0 && inner < ue) {
    // LWS inside the Request-URI (RFC 4475 §3.1.2.8 "lwsruri").
    if (!anomalies.includes('bad_request_line')) anomalies.push('bad_request_line');
    anomalies.push('bad_request_uri');
  }
  line.uriStart = us;
  line.uriEnd = ue;
  return line;
}

/**
 * Cheap test that bytes start with a SIP start line (after optional CRLF keep-alives): a token
 * method, SP, a URI, SP and SIP/x.y; or SIP/x.y SP 3DIGIT. Rejects HTTP, SSDP and binary data.
 */
export function probeSip(buf: Buffer, start: number, end: number): boolean {
  let s = start;
  while (s < end && (buf[s] === 0x0d || buf[s] === 0x0a)) s++;
  const limit = Math.min(end, s + 8192);
  let e = buf.indexOf(0x0a, s);
  if (e < 0 || e >= limit) return false;
  if (e > s && buf[e - 1] === 0x0d) e--;
  for (let k = s; k < e; k++) {
    const c = buf[k] ?? 0;
    if (c < 0x20 && c !== 0x09) return false;
    if (c === 0x7f) return false;
  }
  let sp1 = buf.indexOf(0x20, s);
  if (sp1 < 0 || sp1 > e) sp1 = e;
  if (versionKind(buf, s, sp1) !== 0) {
    // Status-Line: 3DIGIT after the version (more digits are still SIP, with bad_status_code).
    return sp1 + 3 < e + 1 && isDigit(buf[sp1 + 1]) && isDigit(buf[sp1 + 2]) && isDigit(buf[sp1 + 3]);
  }
  if (sp1 === s || sp1 >= e) return false;
  for (let k = s; k < sp1; k++) if (TOKEN[buf[k] ?? 0] !== 1) return false;
  let le = e;
  while (le > sp1 && buf[le - 1] === 0x20) le--;
  let lastSp = le - 1;
  while (lastSp > sp1 && buf[lastSp] !== 0x20) lastSp--;
  if (lastSp <= sp1 + 1) return false;
  return versionKind(buf, lastSp + 1, le) !== 0;
}
