//! IPv6 header parsing (RFC 8200): fixed header, then the extension-header chain up to the upper layer.
//! Called by decode-packet for every IPv6 layer; the fragment header is reported for ip-defragmenter.

import type { IpDropReason } from './ipv4';

export const Ipv6Next = {
  HOP_BY_HOP: 0,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NO_NEXT: 59,
  DEST_OPTS: 60,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
} as const;

export interface Ipv6Header {
  offset: number;
  /** Upper-layer protocol after the extension chain (or 44 never: the fragment is reported below). */
  protocol: number;
  srcOffset: number;
  dstOffset: number;
  /** Upper-layer data, or for a fragment the fragmentable part: [payloadOffset, payloadEnd). */
  payloadOffset: number;
  payloadEnd: number;
  isFragment: boolean;
  fragmentId: number;
  fragmentOffset: number;
  moreFragments: boolean;
  drop: IpDropReason | null;
}

export function newIpv6Header(): Ipv6Header {
  return {
    offset: 0,
    protocol: 0,
    srcOffset: 0,
    dstOffset: 0,
    payloadOffset: 0,
    payloadEnd: 0,
    isFragment: false,
    fragmentId: 0,
    fragmentOffset: 0,
    moreFragments: false,
    drop: null,
  };
}

/** More extension headers than this is an evasion attempt or garbage. */
const MAX_EXTENSION_HEADERS = 16;

export function isIpv6ExtensionHeader(next: number): boolean {
  return (
    next === Ipv6Next.HOP_BY_HOP ||
    next === Ipv6Next.ROUTING ||
    next === Ipv6Next.DEST_OPTS ||
    next === Ipv6Next.AH ||
    next === Ipv6Next.MOBILITY ||
    next === Ipv6Next.HIP ||
    next === Ipv6Next.SHIM6
  );
}

/**
 * Skip non-fragment extension headers starting at `off` with first header type `next`.
 * Returns the offset of the first header that is not skipped (upper layer, fragment header, or
 * ESP/no-next) and stores its type in `result[0]`; -1 when the chain runs past `end`.
 * Used on the outer chain and again on a reassembled fragmentable part.
 */
export function skipIpv6Extensions(buf: Buffer, off: number, end: number, next: number, result: number[]): number {
  let count = 0;
  while (isIpv6ExtensionHeader(next)) {
    if (++count > MAX_EXTENSION_HEADERS || off + 8 > end) return -1;
    // AH counts its length in 4-byte units minus 2; the others in 8-byte units minus 1.
    const len = next === Ipv6Next.AH ? ((buf[off + 1] ?? 0) + 2) * 4 : ((buf[off + 1] ?? 0) + 1) * 8;
    next = buf[off] ?? 0;
    off += len;
    if (off > end) return -1;
  }
  result[0] = next;
  return off;
}

const scratch: number[] = [0];

/** Parse the IPv6 header at `off`; `end` is the end of captured bytes. Returns false with h.drop set. */
export function parseIpv6(buf: Buffer, off: number, end: number, h: Ipv6Header): boolean {
  if (off + 40 > end) {
    h.drop = 'ip_truncated';
    return false;
  }
  if ((buf[off] ?? 0) >> 4 !== 6) {
    h.drop = 'ip_bad_header';
    return false;
  }
  let plen = buf.readUInt16BE(off + 4);
  // 0 = jumbogram or a TSO capture: trust the captured length.
  if (plen === 0) plen = end - off - 40;
  if (off + 40 + plen > end) {
    h.drop = 'ip_truncated';
    return false;
  }
  const payloadEnd = off + 40 + plen;
  h.offset = off;
  h.srcOffset = off + 8;
  h.dstOffset = off + 24;
  h.payloadEnd = payloadEnd;
  h.isFragment = false;
  h.moreFragments = false;
  h.fragmentOffset = 0;
  h.fragmentId = 0;

  let p = skipIpv6Extensions(buf, off + 40, payloadEnd, buf[off + 6] ?? 0, scratch);
  if (p < 0) {
    h.drop = 'ip_bad_header';
    return false;
  }
  let next = scratch[0] ?? 0;
  if (next === Ipv6Next.FRAGMENT) {
    if (p + 8 > payloadEnd) {
      h.drop = 'ip_bad_header';
      return false;
    }
    const fo = buf.readUInt16BE(p + 2);
    h.isFragment = true;
    h.fragmentOffset = fo & 0xfff8;
    h.moreFragments = (fo & 1) !== 0;
    h.fragmentId = buf.readUInt32BE(p + 4);
    next = buf[p] ?? 0;
    p += 8;
    // An atomic fragment (offset 0, M=0; RFC 6946) is a whole packet: process it in place.
    if (h.fragmentOffset === 0 && !h.moreFragments) {
      h.isFragment = false;
      p = skipIpv6Extensions(buf, p, payloadEnd, next, scratch);
      if (p < 0) {
        h.drop = 'ip_bad_header';
        return false;
      }
      next = scratch[0] ?? 0;
    }
  }
  h.protocol = next;
  h.payloadOffset = p;
  h.drop = null;
  return true;
}
