//! GRE header (RFC 2784 with RFC 2890 key and sequence): flags, optional words, payload protocol.
//! decode-packet calls it for IP protocol 47, then follows the protocol type (IP, TEB, ERSPAN).

export const GreProtocol = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  /** Transparent Ethernet Bridging: an Ethernet frame follows. */
  TEB: 0x6558,
  /** ERSPAN type I (no GRE sequence, no ERSPAN header) or type II (sequence present, 8-byte header). */
  ERSPAN_II: 0x88be,
  ERSPAN_III: 0x22eb,
} as const;

export interface GreHeader {
  protocol: number;
  hasSequence: boolean;
  hasKey: boolean;
  key: number;
  payloadOffset: number;
}

export function newGreHeader(): GreHeader {
  return { protocol: 0, hasSequence: false, hasKey: false, key: 0, payloadOffset: 0 };
}

/** Parse GRE at `off`. False for truncation, version != 0 (PPTP's enhanced GRE) or the RFC 1701 routing bit. */
export function parseGre(buf: Buffer, off: number, end: number, h: GreHeader): boolean {
  if (off + 4 > end) return false;
  const flags = buf.readUInt16BE(off);
  if ((flags & 0x0007) !== 0 || (flags & 0x4000) !== 0) return false;
  let p = off + 4;
  if (flags & 0x8000) p += 4; // checksum + reserved1
  h.hasKey = (flags & 0x2000) !== 0;
  if (h.hasKey) {
    if (p + 4 > end) return false;
    h.key = buf.readUInt32BE(p);
    p += 4;
  } else {
    h.key = 0;
  }
  h.hasSequence = (flags & 0x1000) !== 0;
  if (h.hasSequence) p += 4;
  if (p > end) return false;
  h.protocol = buf.readUInt16BE(off + 2);
  h.payloadOffset = p;
  return true;
}
