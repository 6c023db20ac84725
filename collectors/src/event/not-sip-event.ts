//! A datagram sent to a SIP port that is not SIP (fuzzers, scanners speaking other protocols,
//! binary junk) becomes an event instead of vanishing: the SIP event shape with `sip.type:
//! request` (it was sent to the SIP service), no method, `sip.anomalies: [not_sip]` and its size.
//! SIP-MAL-07 counts them per source.
import type { SipEvent, Transport } from '../../../schema/src/sip-event';
import type { L4Segment } from '../packet';
import { eventIdFor } from './event-id';
import { formatTimestamp, type SipEventMeta } from './to-sip-event';

/** The ports a datagram must be sent to for its junk to be a SIP matter (`--ports` defaults). */
export const DEFAULT_SIP_PORTS: readonly number[] = [5060, 5061, 5080];

export function notSipEvent(
  seg: SipEventMeta & Pick<L4Segment, 'payload'>,
  transport: Transport,
  observerId?: string,
): SipEvent {
  const payload = seg.payload;
  return {
    '@timestamp': formatTimestamp(seg.tsSec, seg.tsNsec),
    event: { id: eventIdFor(seg, payload, 0, payload.length), kind: 'event', dataset: 'sipward.sip' },
    ...(observerId !== undefined && observerId !== '' ? { observer: { id: observerId } } : {}),
    source: { ip: seg.srcIp, port: seg.srcPort },
    destination: { ip: seg.dstIp, port: seg.dstPort },
    network: {
      transport,
      protocol: 'sip',
      ...(seg.vlan.length > 0 ? { vlan: seg.vlan.map((id) => ({ id })) } : {}),
      ...(seg.tunnel.length > 0 ? { tunnel: seg.tunnel.slice() } : {}),
    },
    sip: { type: 'request', size: payload.length, anomalies: ['not_sip'] },
  };
}
