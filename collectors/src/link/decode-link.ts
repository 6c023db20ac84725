//! Link layer: from a captured frame (LINKTYPE + bytes) to the start of the network layer.
//! First stage of decode-packet; also re-entered for Ethernet carried in GRE/ERSPAN/VXLAN tunnels.

import { LinkType } from '../packet';
import { ETHERTYPE_PPPOE_SESSION, pppoeSession } from './pppoe';

export const EtherType = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  QINQ_OLD2: 0x9200,
  TEB: 0x6558,
  MPLS: 0x8847,
  MPLS_MULTICAST: 0x8848,
} as const;

export type LinkDropReason = 'unsupported_link_type' | 'link_truncated' | 'not_ip';

/** Mutable result filled by decodeLink/decodeEthernet, reused across packets to avoid allocation. */
export interface LinkInfo {
  /** 0x0800 or 0x86dd on success; the last ethertype seen otherwise. */
  etherType: number;
  /** Offset of the network-layer header in the frame. */
  offset: number;
  /** VLAN ids found, outermost first. Only appended to; the caller owns and resets it. */
  vlan: number[];
  drop: LinkDropReason | null;
}

export function newLinkInfo(): LinkInfo {
  return { etherType: 0, offset: 0, vlan: [], drop: null };
}

/** Tags stacked deeper than this are treated as garbage (real networks use at most 2-3). */
const MAX_VLAN_TAGS = 8;

function isVlanTpid(t: number): boolean {
  return t === EtherType.VLAN || t === EtherType.QINQ || t === EtherType.QINQ_OLD || t === EtherType.QINQ_OLD2;
}

function fail(out: LinkInfo, reason: LinkDropReason): boolean {
  out.drop = reason;
  return false;
}

function finishEtherType(out: LinkInfo, type: number, off: number): boolean {
  out.etherType = type;
  out.offset = off;
  if (type !== EtherType.IPV4 && type !== EtherType.IPV6) return fail(out, 'not_ip');
  out.drop = null;
  return true;
}

/**
 * Walk a VLAN tag stack whose first TPID is `type`, the tag starting at `off`.
 * Shared by Ethernet and SLL (which may keep a tag when the kernel did not strip it).
 */
function walkTags(data: Buffer, type: number, off: number, end: number, out: LinkInfo): boolean {
  let tags = 0;
  while (isVlanTpid(type)) {
    if (off + 4 > end) return fail(out, 'link_truncated');
    if (++tags > MAX_VLAN_TAGS) return fail(out, 'link_truncated');
    out.vlan.push(data.readUInt16BE(off) & 0x0fff);
    type = data.readUInt16BE(off + 2);
    off += 4;
  }
  if (type === EtherType.MPLS || type === EtherType.MPLS_MULTICAST) return walkMpls(data, off, end, out);
  if (type === ETHERTYPE_PPPOE_SESSION) {
    const inner = pppoeSession(data, off, end);
    if (!inner.ok) {
      out.etherType = type;
      return fail(out, inner.reason);
    }
    return finishEtherType(out, inner.etherType, inner.offset);
  }
  return finishEtherType(out, type, off);
}

/** Labels deeper than this are garbage (carrier stacks are 2-4 deep). */
const MAX_MPLS_LABELS = 8;

/**
 * MPLS label stack (carrier mirror ports): skip labels to bottom-of-stack, then the payload is IP
 * by its version nibble. Pseudowires (first nibble 0: control word, Ethernet inside) are not_ip.
 */
function walkMpls(data: Buffer, off: number, end: number, out: LinkInfo): boolean {
  for (let n = 0; ; n++) {
    if (off + 4 > end || n >= MAX_MPLS_LABELS) return fail(out, 'link_truncated');
    const bottom = ((data[off + 2] ?? 0) & 0x01) !== 0;
    off += 4;
    if (bottom) break;
  }
  return ipFromVersion(data, off, end, out);
}

/** Ethernet II at `off` (outer frame or inside a tunnel), with 802.1Q / 802.1ad / QinQ stacks. */
export function decodeEthernet(data: Buffer, off: number, end: number, out: LinkInfo): boolean {
  if (off + 14 > end) return fail(out, 'link_truncated');
  const type = data.readUInt16BE(off + 12);
  // Values <= 1500 are 802.3 lengths (LLC/SNAP frames: STP, CDP ...), never IP for our purpose.
  if (type <= 1500) {
    out.etherType = type;
    return fail(out, 'not_ip');
  }
  return walkTags(data, type, off + 14, end, out);
}

function ipFromVersion(data: Buffer, off: number, end: number, out: LinkInfo): boolean {
  if (off >= end) return fail(out, 'link_truncated');
  const v = (data[off] ?? 0) >> 4;
  if (v === 4) return finishEtherType(out, EtherType.IPV4, off);
  if (v === 6) return finishEtherType(out, EtherType.IPV6, off);
  return fail(out, 'not_ip');
}

/** BSD loopback address family: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
function familyToEtherType(af: number): number {
  if (af === 2) return EtherType.IPV4;
  if (af === 24 || af === 28 || af === 30 || af === 10) return EtherType.IPV6;
  return -1;
}

/**
 * Find the network layer of a captured frame. Returns true with out.etherType/offset set, or
 * false with out.drop set. Never throws. out.vlan is appended to, not cleared.
 */
export function decodeLink(linkType: number, data: Buffer, out: LinkInfo): boolean {
  const end = data.length;
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(data, 0, end, out);
    case LinkType.LINUX_SLL: {
      if (end < 16) return fail(out, 'link_truncated');
      return walkTags(data, data.readUInt16BE(14), 16, end, out);
    }
    case LinkType.LINUX_SLL2: {
      if (end < 20) return fail(out, 'link_truncated');
      return walkTags(data, data.readUInt16BE(0), 20, end, out);
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (end < 4) return fail(out, 'link_truncated');
      // NULL is in the capturing host's byte order and LOOP in network order, but files from the
      // wild mix them up: a family is < 256, so whichever reading is small is the right one.
      let af = data.readUInt32LE(0);
      if (af > 0xffff) af = data.readUInt32BE(0);
      const type = familyToEtherType(af);
      if (type < 0) {
        out.etherType = af;
        return fail(out, 'not_ip');
      }
      return finishEtherType(out, type, 4);
    }
    // 12 and 14 are DLT_RAW values that some old writers put in files instead of LINKTYPE_RAW.
    case LinkType.RAW:
    case 12:
    case 14:
      return ipFromVersion(data, 0, end, out);
    case LinkType.IPV4:
      if (end < 1) return fail(out, 'link_truncated');
      return finishEtherType(out, EtherType.IPV4, 0);
    case LinkType.IPV6:
      if (end < 1) return fail(out, 'link_truncated');
      return finishEtherType(out, EtherType.IPV6, 0);
    default:
      return fail(out, 'unsupported_link_type');
  }
}
