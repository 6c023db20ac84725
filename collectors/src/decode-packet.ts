//! Frame → L4Segment: link layer, IPv4/IPv6 (with reassembly), tunnels, then UDP / TCP / SCTP.
//! The decode stage between capture/ and transport/; one PacketDecoder per input stream (it owns defrag state).

import type { L4Protocol, L4Segment, RawPacket } from './packet';
import { decodeEthernet, decodeLink, EtherType, newLinkInfo, type LinkInfo } from './link/decode-link';
import { newIpv4Header, parseIpv4, type Ipv4Header } from './net/ipv4';
import { newIpv6Header, parseIpv6, skipIpv6Extensions, Ipv6Next, type Ipv6Header } from './net/ipv6';
import { formatIpv4, formatIpv6 } from './net/ip-address';
import {
  IpDefragmenter,
  ipv4FragmentKey,
  ipv6FragmentKey,
  type DefragOptions,
  type ReassembledDatagram,
} from './net/ip-defragmenter';
import { GreProtocol, newGreHeader, parseGre, type GreHeader } from './tunnel/gre';
import { erspanPayload, newErspanPayload, type ErspanPayload } from './tunnel/erspan';
import { looksLikeVxlan, VXLAN_DEFAULT_PORT, VXLAN_HEADER_LENGTH } from './tunnel/vxlan';
import { ipInIpEtherType, ipInIpName, IpInIpProtocol } from './tunnel/ip-in-ip';

export interface PacketDecoderOptions {
  /** Remove GRE / ERSPAN / VXLAN / IP-in-IP encapsulations (default true). Off: such packets count as not_l4. */
  decapsulate?: boolean;
  /** UDP destination ports tried as VXLAN (default [4789]). */
  vxlanPorts?: readonly number[];
  /** Encapsulation layers removed at most (default 4); deeper packets count as tunnel_too_deep. */
  maxTunnelDepth?: number;
  defrag?: DefragOptions;
}

/** Why packets were dropped (and a few totals). Plain numbers, safe to JSON.stringify. */
export interface DecodeCounters {
  packets: number;
  segments: number;
  udp: number;
  tcp: number;
  sctp: number;
  /** Datagrams delivered after reassembly. */
  reassembled: number;
  /** Fragments absorbed by the defragmenter (waiting, duplicate or dropped: see defrag counters). */
  fragment_held: number;
  unsupported_link_type: number;
  link_truncated: number;
  /** Ethertype / address family not IPv4 or IPv6 (ARP, LLDP, STP ...). */
  not_ip: number;
  ip_truncated: number;
  ip_bad_header: number;
  /** IP protocol not UDP/TCP/SCTP nor a tunnel we remove (ICMP, ESP, OSPF ...). */
  not_l4: number;
  udp_bad: number;
  tcp_bad: number;
  sctp_bad: number;
  tunnel_bad: number;
  tunnel_too_deep: number;
}

export function newDecodeCounters(): DecodeCounters {
  return {
    packets: 0,
    segments: 0,
    udp: 0,
    tcp: 0,
    sctp: 0,
    reassembled: 0,
    fragment_held: 0,
    unsupported_link_type: 0,
    link_truncated: 0,
    not_ip: 0,
    ip_truncated: 0,
    ip_bad_header: 0,
    not_l4: 0,
    udp_bad: 0,
    tcp_bad: 0,
    sctp_bad: 0,
    tunnel_bad: 0,
    tunnel_too_deep: 0,
  };
}

const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_GRE = 47;
const PROTO_SCTP = 132;

/** What a layer tells the loop in `decode`: go on with the next layer, or stop (dropped, counted). */
const enum Next {
  STOP = 0,
  /** A tunnel was removed (or an inner frame decoded): decode the inner IP header next. */
  INNER_IP = 1,
}

/**
 * Decodes one frame layer by layer: link → IP (with defragmentation) → transport, or → tunnel →
 * link/IP again (at most maxTunnelDepth times). The layers share one cursor held in the fields
 * below, so no per-packet state object is allocated; each layer method reads and advances it.
 */
export class PacketDecoder {
  readonly counters: DecodeCounters = newDecodeCounters();
  readonly defragmenter: IpDefragmenter;
  private readonly decapsulate: boolean;
  private readonly vxlanPorts: Set<number>;
  private readonly maxDepth: number;
  // Scratch headers reused for every packet: the hot path allocates only the segment and its strings.
  private readonly link: LinkInfo = newLinkInfo();
  private readonly v4: Ipv4Header = newIpv4Header();
  private readonly v6: Ipv6Header = newIpv6Header();
  private readonly gre: GreHeader = newGreHeader();
  private readonly erspan: ErspanPayload = newErspanPayload();
  private readonly extScratch: number[] = [0];
  /** Packet second of the last defrag expiry sweep: sweeps run once per packet-time second. */
  private lastSweepSec = -1;

  // The cursor of the packet being decoded. Network layer input: `buf[off, end)` holds a packet of
  // `etherType`. Transport layer input: `buf[pOff, pEnd)` holds the payload of IP protocol `proto`.
  private buf: Buffer = EMPTY;
  private etherType = 0;
  private off = 0;
  private end = 0;
  private proto = 0;
  private pOff = 0;
  private pEnd = 0;
  private tunnel: string[] | null = null;
  private depth = 0;
  // Innermost IP header addresses: kept as offsets, formatted once for the segment.
  private addrBuf: Buffer = EMPTY;
  private srcOff = 0;
  private dstOff = 0;
  private ipVersion: 4 | 6 = 4;

  constructor(options: PacketDecoderOptions = {}) {
    this.decapsulate = options.decapsulate ?? true;
    this.vxlanPorts = new Set(options.vxlanPorts ?? [VXLAN_DEFAULT_PORT]);
    this.maxDepth = options.maxTunnelDepth ?? 4;
    this.defragmenter = new IpDefragmenter(options.defrag);
  }

  /** End of input: forget incomplete datagrams (counted as defrag timeouts). */
  flush(): void {
    this.defragmenter.clear();
  }

  /** Decode one frame. Returns null (and counts why) when it carries no UDP/TCP/SCTP segment yet. Never throws. */
  decode(pkt: RawPacket): L4Segment | null {
    this.counters.packets++;
    // Time out incomplete datagrams even when no further fragment arrives (packet time, not wall clock).
    if (pkt.tsSec !== this.lastSweepSec) {
      this.lastSweepSec = pkt.tsSec;
      if (this.defragmenter.inFlight > 0) this.defragmenter.expire(pkt.tsSec);
    }
    if (!this.linkLayer(pkt)) return null;
    const segment = this.layers(pkt);
    // The cursor must not keep the capture's read chunk alive past this packet.
    this.buf = EMPTY;
    this.addrBuf = EMPTY;
    return segment;
  }

  /** IP and what is above it, once per encapsulation layer. */
  private layers(pkt: RawPacket): L4Segment | null {
    for (;;) {
      if (!this.networkLayer(pkt.tsSec)) return null;
      switch (this.proto) {
        case PROTO_UDP: {
          const segment = this.udp(pkt);
          if (segment !== Next.INNER_IP) return segment;
          break;
        }
        case PROTO_TCP:
          return this.tcp(pkt);
        case PROTO_SCTP:
          return this.sctp(pkt);
        default:
          if (this.tunnelLayer() === Next.STOP) return null;
      }
    }
  }

  /** The capture's link header (Ethernet, VLAN, SLL, NULL, raw IP ...): sets the cursor on the IP packet. */
  private linkLayer(pkt: RawPacket): boolean {
    const li = this.link;
    if (li.vlan.length !== 0) li.vlan.length = 0; // a no-op length store still costs a runtime call
    if (!decodeLink(pkt.linkType, pkt.data, li)) {
      this.counters[li.drop ?? 'not_ip']++;
      return false;
    }
    this.buf = pkt.data;
    this.etherType = li.etherType;
    this.off = li.offset;
    this.end = pkt.data.length;
    this.tunnel = null;
    this.depth = 0;
    return true;
  }

  /** An Ethernet frame inside a tunnel (VXLAN, GRE TEB, ERSPAN) at buf[ethOff, end). */
  private innerEthernet(ethOff: number, end: number): Next {
    const li = this.link;
    if (!decodeEthernet(this.buf, ethOff, end, li)) {
      this.counters[li.drop ?? 'not_ip']++;
      return Next.STOP;
    }
    this.etherType = li.etherType;
    this.off = li.offset;
    this.end = end;
    return Next.INNER_IP;
  }

  /** IPv4 or IPv6 header at the cursor: the transport payload, reassembled when fragmented. */
  private networkLayer(tsSec: number): boolean {
    if (this.etherType === EtherType.IPV4) return this.ipv4(tsSec);
    if (this.etherType === EtherType.IPV6) return this.ipv6(tsSec);
    this.counters.not_ip++;
    return false;
  }

  /** One fragment of the packet in `this.buf` to the defragmenter; the datagram once it is whole. */
  private reassemble(
    key: string,
    protocol: number,
    fragmentOffset: number,
    moreFragments: boolean,
    start: number,
    end: number,
    tsSec: number,
    sizeLimit?: number,
  ): ReassembledDatagram | null {
    const r = this.defragmenter.add(
      key,
      protocol,
      fragmentOffset,
      moreFragments,
      this.buf,
      start,
      end,
      tsSec,
      sizeLimit,
    );
    if (r === null) this.counters.fragment_held++;
    else this.counters.reassembled++;
    return r;
  }

  private ipv4(tsSec: number): boolean {
    const c = this.counters;
    const buf = this.buf;
    const h = this.v4;
    if (!parseIpv4(buf, this.off, this.end, h)) {
      c[h.drop ?? 'ip_bad_header']++;
      return false;
    }
    this.innermostAddresses(4, h.srcOffset, h.dstOffset);
    if (!h.moreFragments && h.fragmentOffset === 0) return this.payload(h.protocol, h.payloadOffset, h.payloadEnd);
    const key = ipv4FragmentKey(buf, h.srcOffset, h.id, h.protocol);
    const r = this.reassemble(
      key,
      h.protocol,
      h.fragmentOffset,
      h.moreFragments,
      h.payloadOffset,
      h.payloadEnd,
      tsSec,
      65535 - h.headerLength,
    );
    if (r === null) return false;
    this.buf = r.data;
    return this.payload(r.protocol, 0, r.data.length);
  }

  private ipv6(tsSec: number): boolean {
    const c = this.counters;
    const buf = this.buf;
    const h = this.v6;
    if (!parseIpv6(buf, this.off, this.end, h)) {
      c[h.drop ?? 'ip_bad_header']++;
      return false;
    }
    this.innermostAddresses(6, h.srcOffset, h.dstOffset);
    if (!h.isFragment) return this.payload(h.protocol, h.payloadOffset, h.payloadEnd);
    const key = ipv6FragmentKey(buf, h.srcOffset, h.fragmentId);
    const r = this.reassemble(key, h.protocol, h.fragmentOffset, h.moreFragments, h.payloadOffset, h.payloadEnd, tsSec);
    if (r === null) return false;
    const data = r.data;
    // The fragmentable part may start with more extension headers (destination options ...).
    const scratch = this.extScratch;
    const pOff = skipIpv6Extensions(data, 0, data.length, r.protocol, scratch);
    const proto = scratch[0] ?? 0;
    if (pOff < 0 || proto === Ipv6Next.FRAGMENT) {
      c.ip_bad_header++;
      return false;
    }
    this.buf = data;
    return this.payload(proto, pOff, data.length);
  }

  private innermostAddresses(version: 4 | 6, srcOff: number, dstOff: number): void {
    this.addrBuf = this.buf;
    this.srcOff = srcOff;
    this.dstOff = dstOff;
    this.ipVersion = version;
  }

  private payload(proto: number, pOff: number, pEnd: number): true {
    this.proto = proto;
    this.pOff = pOff;
    this.pEnd = pEnd;
    return true;
  }

  /** A UDP datagram: the segment, or Next.INNER_IP when it carries VXLAN that is being removed. */
  private udp(pkt: RawPacket): L4Segment | null | Next.INNER_IP {
    const c = this.counters;
    const buf = this.buf;
    const pOff = this.pOff;
    const pEnd = this.pEnd;
    if (pOff + 8 > pEnd) {
      c.udp_bad++;
      return null;
    }
    const ulen = buf.readUInt16BE(pOff + 4);
    // 0 happens for IPv6 jumbograms and TSO captures: the IP length bounds the datagram then.
    const uEnd = ulen === 0 ? pEnd : pOff + ulen;
    if (ulen !== 0 && (ulen < 8 || uEnd > pEnd)) {
      c.udp_bad++;
      return null;
    }
    const dstPort = buf.readUInt16BE(pOff + 2);
    if (this.decapsulate && this.vxlanPorts.has(dstPort) && looksLikeVxlan(buf, pOff + 8, uEnd)) {
      if (!this.enterTunnel('vxlan')) return null;
      return this.innerEthernet(pOff + 8 + VXLAN_HEADER_LENGTH, uEnd) === Next.STOP ? null : Next.INNER_IP;
    }
    c.udp++;
    return this.segment(pkt, 'udp', buf.subarray(pOff + 8, uEnd));
  }

  private tcp(pkt: RawPacket): L4Segment | null {
    const c = this.counters;
    const buf = this.buf;
    const pOff = this.pOff;
    const pEnd = this.pEnd;
    if (pOff + 20 > pEnd) {
      c.tcp_bad++;
      return null;
    }
    const hlen = ((buf[pOff + 12] ?? 0) >> 4) * 4;
    if (hlen < 20 || pOff + hlen > pEnd) {
      c.tcp_bad++;
      return null;
    }
    c.tcp++;
    const segment = this.segment(pkt, 'tcp', buf.subarray(pOff + hlen, pEnd));
    segment.tcp = { seq: buf.readUInt32BE(pOff + 4), ack: buf.readUInt32BE(pOff + 8), flags: buf[pOff + 13] ?? 0 };
    return segment;
  }

  private sctp(pkt: RawPacket): L4Segment | null {
    if (this.pOff + 12 > this.pEnd) {
      this.counters.sctp_bad++;
      return null;
    }
    this.counters.sctp++;
    return this.segment(pkt, 'sctp', this.buf.subarray(this.pOff + 12, this.pEnd));
  }

  /** The segment at the cursor: ports from its first four bytes, addresses of the innermost IP header. */
  private segment(pkt: RawPacket, protocol: L4Protocol, payload: Buffer): L4Segment {
    this.counters.segments++;
    const a = this.addrBuf;
    const v4 = this.ipVersion === 4;
    const li = this.link;
    return {
      tsSec: pkt.tsSec,
      tsNsec: pkt.tsNsec,
      interfaceId: pkt.interfaceId,
      ipVersion: this.ipVersion,
      srcIp: v4 ? formatIpv4(a, this.srcOff) : formatIpv6(a, this.srcOff),
      dstIp: v4 ? formatIpv4(a, this.dstOff) : formatIpv6(a, this.dstOff),
      protocol,
      srcPort: this.buf.readUInt16BE(this.pOff),
      dstPort: this.buf.readUInt16BE(this.pOff + 2),
      // Shared empty lists for the untagged, unencapsulated common case: nothing appends to a segment's.
      vlan: li.vlan.length === 0 ? NO_VLAN : li.vlan.slice(),
      tunnel: this.tunnel ?? NO_TUNNEL,
      payload,
    };
  }

  /** One more encapsulation layer named `name`; false (counted) past maxTunnelDepth. */
  private enterTunnel(name: string): boolean {
    if (++this.depth > this.maxDepth) {
      this.counters.tunnel_too_deep++;
      return false;
    }
    (this.tunnel ??= []).push(name);
    return true;
  }

  /** IP protocol that is not UDP/TCP/SCTP: GRE (and ERSPAN in it) or IP-in-IP, removed; anything else dropped. */
  private tunnelLayer(): Next {
    const proto = this.proto;
    if (!this.decapsulate || (proto !== PROTO_GRE && proto !== IpInIpProtocol.IPV4 && proto !== IpInIpProtocol.IPV6)) {
      this.counters.not_l4++;
      return Next.STOP;
    }
    if (proto !== PROTO_GRE) {
      if (!this.enterTunnel(ipInIpName(proto))) return Next.STOP;
      this.etherType = ipInIpEtherType(proto);
      this.off = this.pOff;
      this.end = this.pEnd;
      return Next.INNER_IP;
    }
    return this.greLayer();
  }

  private greLayer(): Next {
    const c = this.counters;
    const buf = this.buf;
    const pEnd = this.pEnd;
    if (!this.enterTunnel('gre')) return Next.STOP;
    const g = this.gre;
    if (!parseGre(buf, this.pOff, pEnd, g)) {
      c.tunnel_bad++;
      return Next.STOP;
    }
    if (g.protocol === GreProtocol.IPV4 || g.protocol === GreProtocol.IPV6) {
      this.etherType = g.protocol;
      this.off = g.payloadOffset;
      this.end = pEnd;
      return Next.INNER_IP;
    }
    if (g.protocol === GreProtocol.TEB) return this.innerEthernet(g.payloadOffset, pEnd);
    if (g.protocol !== GreProtocol.ERSPAN_II && g.protocol !== GreProtocol.ERSPAN_III) {
      c.not_ip++;
      return Next.STOP;
    }
    const e = this.erspan;
    if (!erspanPayload(buf, g.protocol, g.hasSequence, g.payloadOffset, pEnd, e)) {
      c.tunnel_bad++;
      return Next.STOP;
    }
    this.tunnel?.push(e.name);
    if (e.ethernet) return this.innerEthernet(e.offset, pEnd);
    // ERSPAN type III may carry a bare IP packet: its version nibble says which.
    const v = e.offset < pEnd ? (buf[e.offset] ?? 0) >> 4 : 0;
    if (v !== 4 && v !== 6) {
      c.not_ip++;
      return Next.STOP;
    }
    this.etherType = v === 4 ? EtherType.IPV4 : EtherType.IPV6;
    this.off = e.offset;
    this.end = pEnd;
    return Next.INNER_IP;
  }
}

const EMPTY = Buffer.alloc(0);
const NO_VLAN: number[] = [];
const NO_TUNNEL: string[] = [];
