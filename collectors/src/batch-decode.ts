//! One batch of `--threads` (parallel-decode.ts): SIP message bytes + metadata → SipEvent → JSON
//! lines (UTF-8), in message order. Run by the parse workers (parse-worker.ts) and, when they are
//! busy, by the reading thread itself.
import type { HepFields } from '../../schema/src/sip-event';
import type { StreamAnomalyCode } from './transport/stream-anomalies';
import { toJsonLine } from './event/jsonl';
import { countEvent, type MessageCounters, type RawSipMessage, type SipMessageDecoder } from './sip-message';

/** Main → worker: one batch of messages. */
export interface MessageBatch {
  seq: number;
  bytes: ArrayBuffer;
  /** Message i is bytes [offsets[i], offsets[i + 1]). */
  offsets: Uint32Array;
  tsSec: Float64Array;
  tsNsec: Uint32Array;
  /** srcPort, dstPort per message. */
  ports: Uint16Array;
  /** TRANSPORTS index | PROTOCOLS index << 3 | missingContentLength << 5. */
  flags: Uint8Array;
  srcIp: string[];
  dstIp: string[];
  /** RawSipMessage.datagramEventId per message, '' when it has none. */
  eventIds: string[];
  /** Only the messages that have VLAN tags, tunnels or stream anomalies (rare). */
  extras: BatchExtra[];
}

export interface BatchExtra {
  index: number;
  vlan: number[];
  tunnel: string[];
  anomalies: string[];
  hep?: HepFields;
}

/** Worker → main: a batch's output in message order and its counters. */
export interface BatchResult {
  seq: number;
  /** The batch's JSON lines, UTF-8 encoded by the worker (transferred, not copied). */
  lines: Uint8Array;
  counters: MessageCounters;
}

export const TRANSPORTS = ['udp', 'tcp', 'ws', 'sctp', 'wss', 'tls'] as const;
export const PROTOCOLS = ['udp', 'tcp', 'sctp'] as const;

const NONE: readonly never[] = [];
// Shared empties: toSipEvent reads vlan/tunnel only when non-empty and never mutates them.
const NO_VLAN: number[] = [];
const NO_TUNNEL: string[] = [];

export function decodeBatch(decoder: SipMessageDecoder, batch: MessageBatch): BatchResult {
  const counters: MessageCounters = { sip_messages: 0, sip_messages_with_anomalies: 0, anomalies: {} };
  const bytes = Buffer.from(batch.bytes);
  const extras = new Map(batch.extras.map((e) => [e.index, e]));
  let text = '';
  for (let i = 0; i < batch.flags.length; i++) {
    const flags = batch.flags[i] ?? 0;
    const extra = extras.get(i);
    const raw: RawSipMessage = {
      data: bytes.subarray(batch.offsets[i], batch.offsets[i + 1]),
      meta: {
        tsSec: batch.tsSec[i] ?? 0,
        tsNsec: batch.tsNsec[i] ?? 0,
        srcIp: batch.srcIp[i] ?? '',
        dstIp: batch.dstIp[i] ?? '',
        srcPort: batch.ports[2 * i] ?? 0,
        dstPort: batch.ports[2 * i + 1] ?? 0,
        protocol: PROTOCOLS[(flags >> 3) & 3] ?? 'udp',
        vlan: extra?.vlan ?? NO_VLAN,
        tunnel: extra?.tunnel ?? NO_TUNNEL,
      },
      transport: TRANSPORTS[flags & 7] ?? 'udp',
      streamAnomalies: (extra?.anomalies as StreamAnomalyCode[] | undefined) ?? NONE,
      missingContentLength: (flags & 32) !== 0,
      ...(extra?.hep !== undefined ? { hep: extra.hep } : {}),
    };
    const eventId = batch.eventIds[i] ?? '';
    if (eventId !== '') raw.datagramEventId = eventId;
    const event = decoder.decode(raw);
    countEvent(counters, event);
    text += toJsonLine(event);
  }
  return { seq: batch.seq, lines: Buffer.from(text, 'utf8'), counters };
}
