//! Values that flow between decode stages: a captured frame, then a transport-layer segment.
//! capture/ produces RawPacket; link/ net/ tunnel/ turn it into L4Segment; transport/ and sip/
//! turn segments into SIP messages. Buffers may be views into a shared read chunk: copy before
//! keeping one past the current call.

/** LINKTYPE_* values from the tcpdump.org link-layer header registry. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface RawPacket {
  /** LINKTYPE_* of the interface the frame was captured on. */
  linkType: number;
  /** Capture time, seconds since the Unix epoch. */
  tsSec: number;
  /** Nanoseconds within tsSec (0..999 999 999): full precision of ns captures is kept. */
  tsNsec: number;
  /** The captured bytes (possibly shorter than originalLength when the snap length cut it). */
  data: Buffer;
  originalLength: number;
  /** pcapng interface index; 0 for pcap and live capture. */
  interfaceId: number;
  interfaceName?: string;
}

export type L4Protocol = 'udp' | 'tcp' | 'sctp';

export interface L4Segment {
  tsSec: number;
  tsNsec: number;
  interfaceId: number;
  ipVersion: 4 | 6;
  /** Textual addresses: dotted quad, or RFC 5952 compressed IPv6. */
  srcIp: string;
  dstIp: string;
  protocol: L4Protocol;
  srcPort: number;
  dstPort: number;
  /** 802.1Q / 802.1ad tags, outermost first. Empty when untagged. */
  vlan: number[];
  /** Encapsulations removed on the way in, outermost first: 'gre', 'erspan2', 'vxlan', 'ipip' ... */
  tunnel: string[];
  /** TCP only. */
  tcp?: { seq: number; ack: number; flags: number };
  /** Transport payload (UDP datagram data, TCP segment data, SCTP chunks). */
  payload: Buffer;
}

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;
