//! IPv4 header parsing (RFC 791): bounds, options length, fragmentation fields.
//! Called by decode-packet for every IPv4 layer, outer or tunnelled; fills a reused header object.

export type IpDropReason = 'ip_truncated' | 'ip_bad_header';

export interface Ipv4Header {
  /** Offset of the header in the buffer. */
  offset: number;
  headerLength: number;
  protocol: number;
  id: number;
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  /** Upper-layer data: [payloadOffset, payloadEnd) — Ethernet padding excluded. */
  payloadOffset: number;
  payloadEnd: number;
  srcOffset: number;
  dstOffset: number;
  drop: IpDropReason | null;
}

export function newIpv4Header(): Ipv4Header {
  return {
    offset: 0,
    headerLength: 0,
    protocol: 0,
    id: 0,
    moreFragments: false,
    fragmentOffset: 0,
    payloadOffset: 0,
    payloadEnd: 0,
    srcOffset: 0,
    dstOffset: 0,
    drop: null,
  };
}

/** Parse the IPv4 header at `off`; `end` is the end of captured bytes. Returns false with h.drop set. */
export function parseIpv4(buf: Buffer, off: number, end: number, h: Ipv4Header): boolean {
  if (off + 20 > end) {
    h.drop = 'ip_truncated';
    return false;
  }
  const b0 = buf[off] ?? 0;
  const ihl = (b0 & 0x0f) * 4;
  if (b0 >> 4 !== 4 || ihl < 20) {
    h.drop = 'ip_bad_header';
    return false;
  }
  let total = buf.readUInt16BE(off + 2);
  const captured = end - off;
  // Total length 0 appears in captures of TSO/GSO super-packets: trust the captured length.
  if (total === 0) total = captured;
  if (total < ihl) {
    h.drop = 'ip_bad_header';
    return false;
  }
  if (total > captured || off + ihl > end) {
    h.drop = 'ip_truncated';
    return false;
  }
  const frag = buf.readUInt16BE(off + 6);
  h.offset = off;
  h.headerLength = ihl;
  h.id = buf.readUInt16BE(off + 4);
  h.moreFragments = (frag & 0x2000) !== 0;
  h.fragmentOffset = (frag & 0x1fff) * 8;
  h.protocol = buf[off + 9] ?? 0;
  h.srcOffset = off + 12;
  h.dstOffset = off + 16;
  h.payloadOffset = off + ihl;
  h.payloadEnd = off + total;
  h.drop = null;
  return true;
}
