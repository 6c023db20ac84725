//! Authorization / Proxy-Authorization (RFC 3261 §20.7, §20.28, §25.1): keeps scheme, username,
//! realm and uri — never response, nonce, cnonce or any other secret-bearing parameter.

import type { SipAuth } from '../../../schema/src/sip-event';
import { equalsLower, nextComma, scanQuoted, scanToken, skipLws, trimEnd } from './chars';
import type { HeadText } from './head-text';

/**
 * credentials = ("Digest" LWS digest-response) / other-response
 * digest-response = dig-resp *(COMMA dig-resp)
 * dig-resp = username / realm / nonce / digest-uri / dresponse / algorithm / cnonce / opaque /
 *            message-qop / nonce-count / auth-param;  auth-param = token EQUAL ( token / quoted-string )
 */
export function parseAuthorization(
  t: HeadText,
  b: Buffer,
  i: number,
  end: number,
  header: SipAuth['header'],
): SipAuth | undefined {
  let p = skipLws(b, i, end);
  end = trimEnd(b, p, end);
  const ss = p;
  p = scanToken(b, p, end);
  if (p === ss) return undefined;
  const auth: SipAuth = { scheme: t.str(ss, p) };
  if (header) auth.header = header;
  // Each turn moves past at least one byte (a param, or up to the next comma).
  while (p < end) {
    p = skipLws(b, p, end);
    if (b[p] === 0x2c) p = skipLws(b, p + 1, end);
    const ns = p;
    p = scanToken(b, p, end);
    const ne = p;
    p = skipLws(b, p, end);
    if (ne === ns || b[p] !== 0x3d) {
      p = nextComma(b, p + 1, end);
      continue;
    }
    p = skipLws(b, p + 1, end);
    const vs = p;
    let quoted = false;
    if (b[p] === 0x22) {
      const q = scanQuoted(b, p, end);
      if (q < 0) break;
      quoted = true;
      p = q;
    } else p = nextComma(b, p, end);
    const ve = quoted ? p : trimEnd(b, vs, p);
    // Only the four public fields become strings; nonce, response, cnonce ... are skipped unread.
    const n = ne - ns;
    if (n === 8 && equalsLower(b, ns, ne, 'username')) auth.username = valueOf(t, b, vs, ve, quoted);
    else if (n === 5 && equalsLower(b, ns, ne, 'realm')) auth.realm = valueOf(t, b, vs, ve, quoted);
    else if (n === 3 && equalsLower(b, ns, ne, 'uri')) auth.uri = valueOf(t, b, vs, ve, quoted);
  }
  return auth;
}

function valueOf(t: HeadText, b: Buffer, vs: number, ve: number, quoted: boolean): string {
  return t.text(quoted ? t.unquote(b, vs, ve) : t.str(vs, ve));
}
