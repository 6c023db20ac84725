//! Stable codes for what went wrong below SIP on a stream or association: counted by the
//! reassemblers and attached to the next message they emit. A code never changes meaning.

import type { AnomalyCode } from '../../../schema/src/anomalies';

export const STREAM_ANOMALY_CODES = [
  /** Bytes never seen (capture loss, asymmetric routing): skipped, then resynced on a start line. */
  'tcp_gap',
  /** A retransmission or overlap carried different bytes than the first copy (kept). */
  'tcp_overlap_conflict',
  /** A flow needed more buffer than its share: its pending bytes were dropped. */
  'tcp_buffer_overflow',
  /** A flow was dropped to make room (flow table or total buffer full). */
  'tcp_flow_evicted',
  /** Stream message without Content-Length (RFC 3261 §18.3): cut after the headers. */
  'missing_content_length',
  /** The stream does not carry SIP (HTTP, TLS ...): no longer buffered. */
  'stream_not_sip',
  /** The connection closed in the middle of a message: the partial message is emitted. */
  'stream_truncated',
  /** Bytes between messages that are not a SIP start line were skipped. */
  'stream_resync',
  /** WebSocket framing broke (bad frame, oversize message): the direction is abandoned. */
  'ws_protocol_error',
  /** An SCTP packet or chunk with inconsistent lengths. */
  'sctp_bad_chunk',
  /** Fragmented SCTP user message (B/E bits) that could not be reassembled. */
  'sctp_fragment_dropped',
] as const satisfies readonly AnomalyCode[];

export type StreamAnomalyCode = (typeof STREAM_ANOMALY_CODES)[number];

export type StreamAnomalyCounters = Record<StreamAnomalyCode, number>;

export function newStreamAnomalyCounters(): StreamAnomalyCounters {
  const c = {} as StreamAnomalyCounters;
  for (const code of STREAM_ANOMALY_CODES) c[code] = 0;
  return c;
}
