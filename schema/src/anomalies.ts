//! Stable anomaly codes: what a collector records when a message breaks the protocol. MAL-*
//! signatures read these; a code never changes meaning once published.

export const ANOMALY_CODES = [
  // Start line
  'bad_request_line',
  'bad_status_line',
  'bad_version',
  'bad_status_code',
  'unknown_method',
  'empty_request_uri',
  'oversize_request_uri',
  'bad_request_uri',
  // Mandatory headers (RFC 3261 §8.1.1)
  'missing_call_id',
  'missing_from',
  'missing_to',
  'missing_via',
  'missing_cseq',
  'missing_max_forwards',
  'multiple_call_id',
  'multiple_from',
  'multiple_to',
  'multiple_cseq',
  'empty_call_id',
  'empty_from',
  'empty_to',
  'empty_via',
  'empty_contact',
  'oversize_call_id',
  'oversize_from',
  'oversize_to',
  'oversize_via',
  'oversize_contact',
  'bad_from',
  'bad_to',
  'bad_via',
  'bad_contact',
  'bad_cseq',
  'cseq_out_of_range',
  'cseq_method_mismatch',
  'bad_max_forwards',
  'bad_expires',
  // Body framing
  'content_length_mismatch',
  'content_length_negative',
  'bad_content_length',
  'missing_content_length',
  'multiple_content_length',
  'body_without_content_type',
  'bad_sdp',
  // Limits
  'oversize_message',
  'too_many_headers',
  'oversize_header_line',
  'too_many_via',
  // Syntax
  'bad_header_line',
  'header_without_colon',
  'nul_byte',
  'bare_lf',
  'invalid_utf8',
  'truncated',
  // Added with the collector SIP parser (RFC 4475 §3.1.2 classes, Snort GID 140 events)
  'unterminated_quoted_string',
  'oversize_cseq_method',
  'oversize_content_length',
  'multiple_messages',
  'bad_date',
  'bad_authorization',
  // A datagram to a SIP port that is no SIP at all (collectors/src/event/not-sip-event.ts)
  'not_sip',
  // Below SIP, on streams and associations (collectors/src/transport/stream-anomalies.ts)
  'tcp_gap',
  'tcp_overlap_conflict',
  'tcp_buffer_overflow',
  'tcp_flow_evicted',
  'stream_not_sip',
  'stream_truncated',
  'stream_resync',
  'ws_protocol_error',
  'sctp_bad_chunk',
  'sctp_fragment_dropped',
] as const;

export type AnomalyCode = (typeof ANOMALY_CODES)[number];

const known: ReadonlySet<string> = new Set(ANOMALY_CODES);
/**
 * Whether a string is one of the stable codes: for consumers of `sip.events` (and the parser tests).
 * @public
 */
export function isAnomalyCode(value: string): value is AnomalyCode {
  return known.has(value);
}
