//! Stream framing for SIP over TCP/TLS/WS-less streams (RFC 3261 §18.3): where does the message at
//! `start` end? Header end (CRLFCRLF, LF LF tolerated) plus Content-Length.

import { H, headerId } from './header-names';
import { DEFAULT_SIP_LIMITS, type SipLimits } from './limits';
import { probeSip } from './start-line';
import { TOKEN as TOKEN_TABLE } from './chars';

// Local copies: module-level consts are constant-folded, `chars_1.X` loads are not.
const TOKEN = TOKEN_TABLE;

/**
 * "In the case of stream-oriented transports such as TCP, the Content-Length header field
 * indicates the size of the body" (RFC 3261 §18.3); CRLFs before the start line are ignored
 * (§7.5) and counted in the returned length. Returns the byte length of the message at
 * buf[start..end), 'need_more' when it is not complete yet, 'invalid' when it cannot be framed
 * (not SIP, bad Content-Length, over the size limit). Without Content-Length the header length is
 * returned; the caller then reports missing_content_length (parseSipMessage with stream: true).
 */
export function sipMessageLength(
  buf: Buffer,
  start: number,
  end: number,
  limits: Pick<SipLimits, 'maxMessageBytes'> = DEFAULT_SIP_LIMITS,
): number | 'need_more' | 'invalid' {
  if (end > buf.length) end = buf.length;
  let s = start;
  while (s < end && (buf[s] === 0x0d || buf[s] === 0x0a)) s++;
  if (s >= end) return 'need_more';
  const max = limits.maxMessageBytes;
  const firstLf = buf.indexOf(0x0a, s);
  if (firstLf < 0 || firstLf >= end) return end - s > max ? 'invalid' : 'need_more';
  if (!probeSip(buf, s, end)) return 'invalid';
  // Find the empty line; read Content-Length on the way.
  let contentLength = -1;
  let p = firstLf + 1;
  for (;;) {
    if (p - s > max) return 'invalid';
    let le = buf.indexOf(0x0a, p);
    if (le < 0 || le >= end) return end - s > max ? 'invalid' : 'need_more';
    const lineEnd = le > p && buf[le - 1] === 0x0d ? le - 1 : le;
    if (lineEnd === p) {
      const headerLen = le + 1 - start;
      if (contentLength < 0) return headerLen;
      const total = headerLen + contentLength;
      if (total - (s - start) > max) return 'invalid';
      return start + total <= end ? total : 'need_more';
    }
    let i = p;
    while (i < lineEnd && TOKEN[buf[i] ?? 0] === 1) i++;
    if (i > p && headerId(buf, p, i) === H.CONTENT_LENGTH) {
      let k = i;
      while (k < lineEnd && (buf[k] === 0x20 || buf[k] === 0x09)) k++;
      if (buf[k] === 0x3a) {
        k++;
        while (k < lineEnd && (buf[k] === 0x20 || buf[k] === 0x09)) k++;
        let n = 0;
        const ds = k;
        while (k < lineEnd && (buf[k] ?? 0) >= 0x30 && (buf[k] ?? 0) <= 0x39 && n <= max)
          n = n * 10 + (buf[k++] ?? 0) - 0x30;
        while (k < lineEnd && (buf[k] === 0x20 || buf[k] === 0x09)) k++;
        if (k === ds || k !== lineEnd || n > max) return 'invalid';
        if (contentLength >= 0 && contentLength !== n) return 'invalid';
        contentLength = n;
      }
    }
    le = le + 1;
    p = le;
  }
}
