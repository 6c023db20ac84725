//! The collector's decode chain in one owner: RawPacket → L4Segment (link/net/tunnel, defrag) →
//! mirror dedup → UDP datagram | TCP/WS stream | SCTP chunk → SIP parser → SipEvent.
//! Pure over its inputs (time comes from packets); the capture and output edges live elsewhere.
//! The message half (bytes → SipEvent) is sip-message.ts; with `handOff` the messages go to parse
//! workers instead (parallel-decode.ts) and this class is the packet half only.
import type { HepFields, SipEvent, Transport } from '../../schema/src/sip-event';
import type { AnomalyCode } from '../../schema/src/anomalies';
import { PacketDecoder, type PacketDecoderOptions } from './decode-packet';
import { lastEventId, MirrorDedup, mirrorKey, mirrorKeyWithEventId } from './event/mirror-dedup';
import { DEFAULT_SIP_PORTS } from './event/not-sip-event';
import type { SipEventMeta } from './event/to-sip-event';
import type { L4Segment, RawPacket } from './packet';
import { probeSip, type SipParseOptions } from './sip/parser';
import { countEvent, SipMessageDecoder, type RawSipMessage } from './sip-message';
import { SctpSipExtractor } from './transport/sctp';
import type { StreamMessage } from './transport/stream-message';
import { TcpReassembler } from './transport/tcp-reassembler';

export interface SipDecoderOptions {
  observerId?: string;
  /** Live capture: observer.ingress.interface.name. */
  interfaceName?: string;
  /** Carry the full header list (credentials redacted) in sip.headers. */
  withHeaders?: boolean;
  /** Carry the redacted message text in sip.raw. */
  withRaw?: boolean;
  /** Suppress mirror duplicates (the same packet seen on both SPAN directions). Default true. */
  dedup?: boolean;
  packet?: PacketDecoderOptions;
  /** Non-SIP datagrams to these ports become `not_sip` events (default 5060, 5061, 5080). */
  sipPorts?: readonly number[];
  sip?: SipParseOptions;
  /** Messages go here unparsed (to parse workers) instead of becoming events on this thread. */
  handOff?: (message: RawSipMessage) => void;
}

export interface SipDecoderStats {
  packets: number;
  bytes: number;
  segments: number;
  mirror_duplicates: number;
  udp_datagrams: number;
  udp_not_sip: number;
  /** Of udp_not_sip: sent to a SIP port, emitted as a `not_sip` event. */
  udp_not_sip_events: number;
  udp_keepalives: number;
  sip_messages: number;
  sip_messages_with_anomalies: number;
  anomalies: Partial<Record<AnomalyCode, number>>;
}

export class SipDecoder {
  readonly packetDecoder: PacketDecoder;
  readonly dedup: MirrorDedup | undefined;
  readonly tcp: TcpReassembler;
  readonly sctp: SctpSipExtractor;
  readonly stats: SipDecoderStats = {
    packets: 0,
    bytes: 0,
    segments: 0,
    mirror_duplicates: 0,
    udp_datagrams: 0,
    udp_not_sip: 0,
    udp_not_sip_events: 0,
    udp_keepalives: 0,
    sip_messages: 0,
    sip_messages_with_anomalies: 0,
    anomalies: {},
  };
  private readonly messages: SipMessageDecoder;
  private readonly handOff: (message: RawSipMessage) => void;
  private lastSec = -1;
  private readonly sipPorts: ReadonlySet<number>;

  constructor(
    private readonly onEvent: (event: SipEvent) => void,
    options: SipDecoderOptions = {},
  ) {
    this.packetDecoder = new PacketDecoder(options.packet);
    this.dedup = options.dedup === false ? undefined : new MirrorDedup();
    const onStream = (m: StreamMessage): void => this.emitStream(m);
    this.tcp = new TcpReassembler(onStream);
    this.sctp = new SctpSipExtractor(onStream);
    this.messages = new SipMessageDecoder(options);
    this.handOff = options.handOff ?? ((m) => this.emit(this.messages.decode(m)));
    this.sipPorts = new Set(options.sipPorts ?? DEFAULT_SIP_PORTS);
  }

  push(packet: RawPacket): void {
    this.stats.packets++;
    this.stats.bytes += packet.data.length;
    if (packet.tsSec !== this.lastSec) {
      // Once per packet-second is enough to expire idle flows and held gaps on quiet captures.
      this.lastSec = packet.tsSec;
      this.tcp.advanceTime(packet.tsSec, packet.tsNsec);
    }
    const seg = this.packetDecoder.decode(packet);
    if (seg === null) return;
    this.stats.segments++;
    // A datagram's event id comes from the mirror key's pass over its bytes (parse workers get it
    // with the message: a 16-char string in the batch costs less than hashing the bytes again).
    let eventId: string | undefined;
    if (this.dedup !== undefined) {
      let key: number;
      if (seg.protocol === 'udp') {
        key = mirrorKeyWithEventId(seg);
        eventId = lastEventId();
      } else key = mirrorKey(seg);
      if (this.dedup.isDuplicateKey(seg, key)) {
        this.stats.mirror_duplicates++;
        return;
      }
    }
    if (seg.protocol === 'udp') this.pushDatagram(seg, eventId);
    else if (seg.protocol === 'tcp') this.tcp.push(seg);
    else this.sctp.push(seg);
  }

  /**
   * One whole SIP message whose addresses and time come from elsewhere (HEP): parsed like the
   * transport says and emitted with `meta`; no link decoding, reassembly or mirror dedup applies.
   * False when the payload is not SIP (counted like a UDP datagram that is not).
   */
  pushMessage(meta: SipEventMeta, payload: Buffer, transport: Transport, hep?: HepFields): boolean {
    this.stats.packets++;
    this.stats.bytes += payload.length;
    if (!probeSip(payload, 0, payload.length)) {
      if (isKeepalive(payload)) this.stats.udp_keepalives++;
      else this.stats.udp_not_sip++;
      return false;
    }
    this.handOff(wholeMessage(payload, meta, transport, hep !== undefined ? { hep } : undefined));
    return true;
  }

  /** End of input: complete what can be completed (held fragments, stream tails). */
  flush(): void {
    this.packetDecoder.flush();
    this.tcp.flush();
  }

  /** RFC 3261 §18.3: a UDP datagram carries exactly one message; extra bytes are an anomaly. */
  private pushDatagram(seg: L4Segment, eventId: string | undefined): void {
    this.stats.udp_datagrams++;
    const buf = seg.payload;
    if (!probeSip(buf, 0, buf.length)) {
      if (isKeepalive(buf)) this.stats.udp_keepalives++;
      else {
        this.stats.udp_not_sip++;
        // Not SIP, but sent to a SIP port: an event (through the same hand-off, so order holds).
        if (this.sipPorts.has(seg.dstPort)) {
          this.stats.udp_not_sip_events++;
          this.handOff(wholeMessage(buf, seg, 'udp', NOT_SIP));
        }
      }
      return;
    }
    const message = wholeMessage(buf, seg, 'udp');
    if (eventId !== undefined) message.datagramEventId = eventId;
    this.handOff(message);
  }

  private emitStream(m: StreamMessage): void {
    const notSip = m.anomalies.length > 0 && m.anomalies.includes('stream_not_sip');
    if (notSip) {
      // Not SIP at all (transport/stream-consumer.ts gave up on the stream). TLS is SIP we cannot
      // read, not junk; anything else sent to a SIP port becomes an event.
      const tls = m.data[0] === 0x16 && m.data[1] === 0x03;
      if (tls || !this.sipPorts.has(m.dstPort)) return;
    }
    const message: RawSipMessage = {
      data: m.data,
      meta: m,
      transport: m.transport,
      streamAnomalies: m.anomalies,
      missingContentLength: m.missingContentLength,
    };
    // Assigned, not spread: a spread literal is built property by property on every message.
    if (notSip) message.notSip = true;
    this.handOff(message);
  }

  private emit(event: SipEvent): void {
    countEvent(this.stats, event);
    this.onEvent(event);
  }
}

const NO_ANOMALIES: readonly never[] = [];
const NOT_SIP = { notSip: true } as const;

/** A message that arrived whole (a datagram, a HEP payload): no stream anomalies, framing not in doubt. */
function wholeMessage(
  data: Buffer,
  meta: SipEventMeta,
  transport: Transport,
  extra?: Pick<RawSipMessage, 'hep' | 'notSip'>,
): RawSipMessage {
  const message: RawSipMessage = { data, meta, transport, streamAnomalies: NO_ANOMALIES, missingContentLength: false };
  // Assigned, not spread: the common datagram keeps one object shape on the hot path.
  if (extra?.hep !== undefined) message.hep = extra.hep;
  if (extra?.notSip === true) message.notSip = true;
  return message;
}

/** RFC 5626 §4.4.1 keepalives: a double CRLF ping or a single CRLF pong. */
function isKeepalive(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x0d && c !== 0x0a) return false;
  }
  return buf.length > 0;
}
