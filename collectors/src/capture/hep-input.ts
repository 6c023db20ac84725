//! HEP packets → SIP events through the collector's SipDecoder: decode (hep-packet.ts), check the
//! auth key, map the chunks onto the event meta, count every drop by reason. No I/O.
import { timingSafeEqual } from 'node:crypto';
import type { HepFields, Transport } from '../../../schema/src/sip-event';
import type { SipEventMeta } from '../event/to-sip-event';
import type { L4Protocol } from '../packet';
import type { SipDecoder } from '../sip-decoder';
import { decodeHep, HEP_DROP_REASONS, type HepDropReason, type HepMessage } from './hep-packet';

export interface HepInputOptions {
  /** When set, packets without this exact auth key (chunk 0x000e) are dropped. */
  authKey?: string;
}

export interface HepStats {
  /** HEP packets received (datagrams, or packets framed out of TCP streams). */
  packets: number;
  /** Packets that became a SIP event. */
  sip_messages: number;
  /** Dropped packets by reason (malformed, not SIP, failed auth, SIP parser refused the payload). */
  dropped: Record<HepDropReason | 'payload_not_sip', number>;
  /** TCP streams closed because they stopped making sense as HEP (out of sync, oversized). */
  streams_dropped: number;
}

export function newHepStats(): HepStats {
  const dropped = { payload_not_sip: 0 } as HepStats['dropped'];
  for (const reason of HEP_DROP_REASONS) dropped[reason] = 0;
  return { packets: 0, sip_messages: 0, dropped, streams_dropped: 0 };
}

const L4_BY_IANA: Readonly<Record<number, L4Protocol>> = { 17: 'udp', 6: 'tcp', 132: 'sctp' };

export class HepInput {
  readonly stats: HepStats = newHepStats();
  private readonly authKey: Buffer | undefined;

  constructor(
    private readonly decoder: SipDecoder,
    options: HepInputOptions = {},
  ) {
    this.authKey = options.authKey === undefined ? undefined : Buffer.from(options.authKey, 'latin1');
  }

  /** One HEP packet (a datagram, or one packet framed from a stream). */
  push(packet: Buffer): void {
    this.stats.packets++;
    const result = decodeHep(packet);
    if (!result.ok) {
      this.stats.dropped[result.reason]++;
      return;
    }
    const message = result.message;
    if (!this.authorised(message)) {
      this.stats.dropped.auth_failed++;
      return;
    }
    const protocol = L4_BY_IANA[message.ipProtocol] ?? 'udp';
    const transport: Transport = protocol;
    if (this.decoder.pushMessage(hepMeta(message, protocol), message.payload, transport, hepFields(message)))
      this.stats.sip_messages++;
    else this.stats.dropped.payload_not_sip++;
  }

  private authorised(message: HepMessage): boolean {
    if (this.authKey === undefined) return true;
    if (message.authKey === undefined) return false;
    const given = Buffer.from(message.authKey, 'latin1');
    return given.length === this.authKey.length && timingSafeEqual(given, this.authKey);
  }
}

/** Addresses, ports, time and VLAN of the original packet, from the chunks. */
export function hepMeta(message: HepMessage, protocol: L4Protocol): SipEventMeta {
  return {
    tsSec: message.tsSec,
    tsNsec: message.tsUsec * 1000,
    srcIp: message.srcIp,
    dstIp: message.dstIp,
    srcPort: message.srcPort,
    dstPort: message.dstPort,
    protocol,
    vlan: message.vlan === undefined ? [] : [message.vlan],
    tunnel: [],
  };
}

function hepFields(message: HepMessage): HepFields | undefined {
  const fields: HepFields = {};
  if (message.nodeId !== undefined) fields.node_id = message.nodeId;
  if (message.nodeName !== undefined) fields.node_name = message.nodeName;
  if (message.correlationId !== undefined) fields.correlation_id = message.correlationId;
  return Object.keys(fields).length > 0 ? fields : undefined;
}
