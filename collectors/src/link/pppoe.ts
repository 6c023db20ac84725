//! PPPoE (RFC 2516) session frames, as DSL access and BRAS-side captures carry them: Ethernet type
//! 0x8864, a 6-byte PPPoE header (ver/type 0x11, code 0x00, session id, payload length), then a
//! 2-byte PPP protocol (RFC 1661; 0x0021 IPv4, 0x0057 IPv6). Discovery frames (0x8863) and PPP
//! control protocols (LCP, IPCP, CHAP …) carry no IP: `not_ip`.

export const ETHERTYPE_PPPOE_SESSION = 0x8864;

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const HEADER = 6 + 2;

export type PppoeResult =
  { ok: true; etherType: 0x0800 | 0x86dd; offset: number } | { ok: false; reason: 'link_truncated' | 'not_ip' };

/** The IP packet inside the PPPoE session frame whose PPPoE header starts at `off`. */
export function pppoeSession(data: Buffer, off: number, end: number): PppoeResult {
  if (off + HEADER > end) return { ok: false, reason: 'link_truncated' };
  // Version 1, type 1 (RFC 2516 §4), session stage code 0x00.
  if (data[off] !== 0x11 || data[off + 1] !== 0x00) return { ok: false, reason: 'not_ip' };
  const length = data.readUInt16BE(off + 4);
  if (length < 2 || off + 6 + length > end) return { ok: false, reason: 'link_truncated' };
  const protocol = data.readUInt16BE(off + 6);
  if (protocol === PPP_IPV4) return { ok: true, etherType: 0x0800, offset: off + HEADER };
  if (protocol === PPP_IPV6) return { ok: true, etherType: 0x86dd, offset: off + HEADER };
  return { ok: false, reason: 'not_ip' };
}
