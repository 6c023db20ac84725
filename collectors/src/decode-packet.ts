//! Frame → L4Segment: link layer, IPv4/IPv6 (with reassembly), tunnels, then UDP / TCP / SCTP.
//! The decode stage between capture/ and transport/; one PacketDecoder per input stream (it owns defrag state).

import { type L4Segment, type RawPacket } from './packet';
import { decodeEthernet, decodeLink, EtherType, newLinkInfo, type LinkInfo } from './link/decode-link';
import { newIpv4Header, parseIpv4, type Ipv4Header } from './net/ipv4';
import { newIpv6Header, parseIpv6, skipIpv6Extensions, Ipv6Next, type Ipv6Header } from './net/ipv6';
import { formatIpv4, formatIpv6 } from './net/ip-address';
import { IpDefragmenter, ipv4FragmentKey, ipv6FragmentKey, type DefragOptions } from './net/ip-defragmenter';
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
    const c = this.counters;
    c.packets++;
    // Time out incomplete datagrams even when no further fragment arrives (packet time, not wall clock).
    if (pkt.tsSec !== this.lastSweepSec) {
      this.lastSweepSec = pkt.tsSec;
      if (this.defragmenter.inFlight > 0) this.defragmenter.expire(pkt.tsSec);
    }
    const li = this.link;
    li.vlan.length = 0;
    if (!decodeLink(pkt.linkType, pkt.data, li)) {
      c[li.drop ?? 'not_ip']++;
      return null;
    }
    let buf = pkt.data;
    let etherType = li.etherType;
    let off = li.offset;
    let end = buf.length;
    let tunnel: string[] | null = null;
    let depth = 0;
    // Innermost IP header addresses: kept as offsets, formatted once at the end.
    let addrBuf = buf;
    let srcOff = 0;
    let dstOff = 0;
    let ipVersion: 4 | 6 = 4;

    for (;;) {
      let proto: number;
      let pOff: number;
      let pEnd: number;
      if (etherType === EtherType.IPV4) {
        const h = this.v4;
        if (!parseIpv4(buf, off, end, h)) {
          c[h.drop ?? 'ip_bad_header']++;
          return null;
        }
        addrBuf = buf;
        srcOff = h.srcOffset;
        dstOff = h.dstOffset;
        ipVersion = 4;
        if (h.moreFragments || h.fragmentOffset !== 0) {
          const key = ipv4FragmentKey(buf, h.srcOffset, h.id, h.protocol);
          const r = this.defragmenter.add(
            key,
            h.protocol,
            h.fragmentOffset,
            h.moreFragments,
            buf,
            h.payloadOffset,
            h.payloadEnd,
            pkt.tsSec,
            65535 - h.headerLength,
          );
          if (r === null) {
            c.fragment_held++;
            return null;
          }
          c.reassembled++;
          buf = r.data;
          proto = r.protocol;
          pOff = 0;
          pEnd = buf.length;
        } else {
          proto = h.protocol;
          pOff = h.payloadOffset;
          pEnd = h.payloadEnd;
        }
      } else if (etherType === EtherType.IPV6) {
        const h = this.v6;
        if (!parseIpv6(buf, off, end, h)) {
          c[h.drop ?? 'ip_bad_header']++;
          return null;
        }
        addrBuf = buf;
        srcOff = h.srcOffset;
        dstOff = h.dstOffset;
        ipVersion = 6;
        if (h.isFragment) {
          const key = ipv6FragmentKey(buf, h.srcOffset, h.fragmentId);
          const r = this.defragmenter.add(
            key,
            h.protocol,
            h.fragmentOffset,
            h.moreFragments,
            buf,
            h.payloadOffset,
            h.payloadEnd,
            pkt.tsSec,
          );
          if (r === null) {
            c.fragment_held++;
            return null;
          }
          c.reassembled++;
          buf = r.data;
          // The fragmentable part may start with more extension headers (destination options ...).
          const scratch = this.extScratch;
          pOff = skipIpv6Extensions(buf, 0, buf.length, r.protocol, scratch);
          proto = scratch[0] ?? 0;
          if (pOff < 0 || proto === Ipv6Next.FRAGMENT) {
            c.ip_bad_header++;
            return null;
          }
          pEnd = buf.length;
        } else {
          proto = h.protocol;
          pOff = h.payloadOffset;
          pEnd = h.payloadEnd;
        }
      } else {
        c.not_ip++;
        return null;
      }

      // Upper layer.
      if (proto === PROTO_UDP) {
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
          if (++depth > this.maxDepth) {
            c.tunnel_too_deep++;
            return null;
          }
          (tunnel ??= []).push('vxlan');
          if (!decodeEthernet(buf, pOff + 8 + VXLAN_HEADER_LENGTH, uEnd, li)) {
            c[li.drop ?? 'not_ip']++;
            return null;
          }
          etherType = li.etherType;
          off = li.offset;
          end = uEnd;
          continue;
        }
        c.udp++;
        c.segments++;
        return {
          tsSec: pkt.tsSec,
          tsNsec: pkt.tsNsec,
          interfaceId: pkt.interfaceId,
          ipVersion,
          srcIp: ipVersion === 4 ? formatIpv4(addrBuf, srcOff) : formatIpv6(addrBuf, srcOff),
          dstIp: ipVersion === 4 ? formatIpv4(addrBuf, dstOff) : formatIpv6(addrBuf, dstOff),
          protocol: 'udp',
          srcPort: buf.readUInt16BE(pOff),
          dstPort,
          vlan: li.vlan.length === 0 ? [] : li.vlan.slice(),
          tunnel: tunnel ?? [],
          payload: buf.subarray(pOff + 8, uEnd),
        };
      }
      if (proto === PROTO_TCP) {
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
        c.segments++;
        return {
          tsSec: pkt.tsSec,
          tsNsec: pkt.tsNsec,
          interfaceId: pkt.interfaceId,
          ipVersion,
          srcIp: ipVersion === 4 ? formatIpv4(addrBuf, srcOff) : formatIpv6(addrBuf, srcOff),
          dstIp: ipVersion === 4 ? formatIpv4(addrBuf, dstOff) : formatIpv6(addrBuf, dstOff),
          protocol: 'tcp',
          srcPort: buf.readUInt16BE(pOff),
          dstPort: buf.readUInt16BE(pOff + 2),
          vlan: li.vlan.length === 0 ? [] : li.vlan.slice(),
          tunnel: tunnel ?? [],
          tcp: {
            seq: buf.readUInt32BE(pOff + 4),
            ack: buf.readUInt32BE(pOff + 8),
            flags: buf[pOff + 13] ?? 0,
          },
          payload: buf.subarray(pOff + hlen, pEnd),
        };
      }
      if (proto === PROTO_SCTP) {
        if (pOff + 12 > pEnd) {
          c.sctp_bad++;
          return null;
        }
        c.sctp++;
        c.segments++;
        return {
          tsSec: pkt.tsSec,
          tsNsec: pkt.tsNsec,
          interfaceId: pkt.interfaceId,
          ipVersion,
          srcIp: ipVersion === 4 ? formatIpv4(addrBuf, srcOff) : formatIpv6(addrBuf, srcOff),
          dstIp: ipVersion === 4 ? formatIpv4(addrBuf, dstOff) : formatIpv6(addrBuf, dstOff),
          protocol: 'sctp',
          srcPort: buf.readUInt16BE(pOff),
          dstPort: buf.readUInt16BE(pOff + 2),
          vlan: li.vlan.length === 0 ? [] : li.vlan.slice(),
          tunnel: tunnel ?? [],
          payload: buf.subarray(pOff + 12, pEnd),
        };
      }
      if (
        !this.decapsulate ||
        (proto !== PROTO_GRE && proto !== IpInIpProtocol.IPV4 && proto !== IpInIpProtocol.IPV6)
      ) {
        c.not_l4++;
        return null;
      }
      if (++depth > this.maxDepth) {
        c.tunnel_too_deep++;
        return null;
      }
      tunnel ??= [];
      if (proto !== PROTO_GRE) {
        tunnel.push(ipInIpName(proto));
        etherType = ipInIpEtherType(proto);
        off = pOff;
        end = pEnd;
        continue;
      }
      const g = this.gre;
      if (!parseGre(buf, pOff, pEnd, g)) {
        c.tunnel_bad++;
        return null;
      }
      tunnel.push('gre');
      if (g.protocol === GreProtocol.IPV4 || g.protocol === GreProtocol.IPV6) {
        etherType = g.protocol;
        off = g.payloadOffset;
        end = pEnd;
        continue;
      }
      let ethOff: number;
      if (g.protocol === GreProtocol.TEB) {
        ethOff = g.payloadOffset;
      } else if (g.protocol === GreProtocol.ERSPAN_II || g.protocol === GreProtocol.ERSPAN_III) {
        const e = this.erspan;
        if (!erspanPayload(buf, g.protocol, g.hasSequence, g.payloadOffset, pEnd, e)) {
          c.tunnel_bad++;
          return null;
        }
        tunnel.push(e.name);
        if (!e.ethernet) {
          const v = e.offset < pEnd ? (buf[e.offset] ?? 0) >> 4 : 0;
          if (v !== 4 && v !== 6) {
            c.not_ip++;
            return null;
          }
          etherType = v === 4 ? EtherType.IPV4 : EtherType.IPV6;
          off = e.offset;
          end = pEnd;
          continue;
        }
        ethOff = e.offset;
      } else {
        c.not_ip++;
        return null;
      }
      if (!decodeEthernet(buf, ethOff, pEnd, li)) {
        c[li.drop ?? 'not_ip']++;
        return null;
      }
      etherType = li.etherType;
      off = li.offset;
      end = pEnd;
    }
  }
}
