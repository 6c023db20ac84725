//! A TCP flow as a capture shows it: the three-way handshake, then data segments in either
//! direction with sequence and acknowledgement numbers that follow the bytes sent — one message
//! split over several segments, or several messages coalesced in one. Pure values; frames.ts turns
//! a segment into bytes.
import { type Endpoint, type TcpOptions, tcp } from './frames';

export const TCP_SYN = 0x02;
export const TCP_ACK = 0x10;
export const TCP_PSH_ACK = 0x18;
export const TCP_SYN_ACK = 0x12;

/** One TCP segment between two endpoints. */
export interface TcpSegment {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
}

/** The TCP header and payload of a segment (the IP layer goes around it). */
export function tcpSegmentBytes(s: TcpSegment, o: Partial<TcpOptions> = {}): Buffer {
  return tcp({
    srcPort: s.src.port,
    dstPort: s.dst.port,
    seq: s.seq,
    ack: s.ack,
    flags: s.flags,
    payload: s.payload,
    ...o,
  });
}

/** Split a message into `parts` segments of (nearly) equal size: the first parts floor to whole bytes. */
export function segmentsOf(payload: Buffer, parts = 2): Buffer[] {
  if (parts <= 1) return [payload];
  const out: Buffer[] = [];
  let from = 0;
  for (let i = 1; i < parts; i++) {
    const to = Math.floor((payload.length * i) / parts);
    out.push(payload.subarray(from, to));
    from = to;
  }
  out.push(payload.subarray(from));
  return out;
}

/**
 * One connection from `client` to `server`. `clientSeq` and `serverSeq` are the first data
 * sequence numbers (the SYNs carry one less); each `send` advances the sender's number by the bytes
 * it carries, so reassembly sees a gapless stream.
 */
export class TcpFlow {
  private established = false;

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    private clientSeq: number,
    private serverSeq: number,
  ) {}

  get connected(): boolean {
    return this.established;
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): TcpSegment[] {
    this.established = true;
    const none = Buffer.alloc(0);
    const { client, server } = this;
    return [
      { src: client, dst: server, seq: this.clientSeq - 1, ack: 0, flags: TCP_SYN, payload: none },
      { src: server, dst: client, seq: this.serverSeq - 1, ack: this.clientSeq, flags: TCP_SYN_ACK, payload: none },
      { src: client, dst: server, seq: this.clientSeq, ack: this.serverSeq, flags: TCP_ACK, payload: none },
    ];
  }

  /** Data from the client (`fromClient`) or the server, one PSH/ACK segment per piece. */
  send(fromClient: boolean, pieces: readonly Buffer[]): TcpSegment[] {
    return pieces.map((payload) => {
      const segment: TcpSegment = fromClient
        ? { src: this.client, dst: this.server, seq: this.clientSeq, ack: this.serverSeq, flags: TCP_PSH_ACK, payload }
        : { src: this.server, dst: this.client, seq: this.serverSeq, ack: this.clientSeq, flags: TCP_PSH_ACK, payload };
      if (fromClient) this.clientSeq = (this.clientSeq + payload.length) >>> 0;
      else this.serverSeq = (this.serverSeq + payload.length) >>> 0;
      return segment;
    });
  }
}
