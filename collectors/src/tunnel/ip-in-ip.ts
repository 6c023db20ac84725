//! IP-in-IP (RFC 2003 protocol 4, RFC 4213 protocol 41): the IP payload is another IP packet.
//! decode-packet uses these names for L4Segment.tunnel and loops back into IP parsing.

export const IpInIpProtocol = { IPV4: 4, IPV6: 41 } as const;

/** Tunnel name recorded in L4Segment.tunnel: 'ipip' (inner IPv4) or 'ip6ip' (inner IPv6, e.g. 6in4). */
export function ipInIpName(protocol: number): string {
  return protocol === IpInIpProtocol.IPV4 ? 'ipip' : 'ip6ip';
}

export function ipInIpEtherType(protocol: number): number {
  return protocol === IpInIpProtocol.IPV4 ? 0x0800 : 0x86dd;
}
