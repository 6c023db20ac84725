//! Test helpers: literal SIP messages and hand-built L4Segments for the transport tests.

import type { L4Segment } from '../packet';
import { TcpFlag } from '../packet';

export const CLIENT = { ip: '10.0.0.1', port: 40000 };
export const SERVER = { ip: '10.0.0.2', port: 5060 };

export function sipRequest(n: number, body = ''): string {
  return (
    `INVITE sip:bob${n}@example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK-${n}\r\n` +
    `Call-ID: call-${n}@10.0.0.1\r\n` +
    `CSeq: ${n} INVITE\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}

export function sipResponse(n: number): string {
  return `SIP/2.0 200 OK\r\nCall-ID: call-${n}@10.0.0.1\r\nCSeq: ${n} INVITE\r\nl: 0\r\n\r\n`;
}

export const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

export interface SegOpts {
  seq: number;
  payload?: string | Buffer;
  flags?: number;
  ack?: number;
  /** Packet time in milliseconds. */
  t?: number;
  reverse?: boolean;
  vlan?: number[];
}

export function tcpSeg(o: SegOpts): L4Segment {
  const a = o.reverse ? SERVER : CLIENT;
  const b = o.reverse ? CLIENT : SERVER;
  const t = o.t ?? 1000;
  const payload = typeof o.payload === 'string' ? Buffer.from(o.payload, 'latin1') : (o.payload ?? Buffer.alloc(0));
  return {
    tsSec: Math.floor(t / 1000),
    tsNsec: Math.round((t % 1000) * 1e6),
    interfaceId: 0,
    ipVersion: 4,
    srcIp: a.ip,
    dstIp: b.ip,
    protocol: 'tcp',
    srcPort: a.port,
    dstPort: b.port,
    vlan: o.vlan ?? [],
    tunnel: [],
    tcp: { seq: o.seq >>> 0, ack: (o.ack ?? 0) >>> 0, flags: o.flags ?? TcpFlag.ACK | TcpFlag.PSH },
    payload,
  };
}

export const SYN = TcpFlag.SYN;
export const FIN_ACK = TcpFlag.FIN | TcpFlag.ACK;
export const RST = TcpFlag.RST;
export const ACK = TcpFlag.ACK;
