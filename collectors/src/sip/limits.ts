//! Parser bounds: hard limits that stop work on hostile input, and the "oversize_*" thresholds
//! (Snort 3 `sip` inspector defaults) that only record an anomaly.

export interface SipLimits {
  /** Bytes of one message; beyond it only the first maxMessageBytes are parsed (oversize_message). */
  maxMessageBytes: number;
  /** Header fields kept; later ones are skipped (too_many_headers). */
  maxHeaders: number;
  /** Bytes of one header line; longer lines are skipped (oversize_header_line). */
  maxLineBytes: number;
  /** Via values kept (too_many_via); also the cap for every other multi-value list. */
  maxVia: number;
  /** Longest string the event carries for any one field (URIs, header values); longer ones are cut. */
  maxUriBytes: number;
  /** Snort max_uri_len: Request-URI longer than this → oversize_request_uri. */
  uriLen: number;
  /** Snort max_call_id_len → oversize_call_id. */
  callIdLen: number;
  /** Snort max_requestName_len: CSeq method longer than this → oversize_cseq_method. */
  requestNameLen: number;
  /** Snort max_from_len / max_to_len → oversize_from / oversize_to. */
  fromLen: number;
  toLen: number;
  /** Snort max_via_len (per Via header field) → oversize_via. */
  viaLen: number;
  /** Snort max_contact_len (per Contact header field) → oversize_contact. */
  contactLen: number;
  /** Snort max_content_len: declared Content-Length above this → oversize_content_length. */
  contentLen: number;
}

export const DEFAULT_SIP_LIMITS: Readonly<SipLimits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxHeaders: 256,
  maxLineBytes: 8 * 1024,
  maxVia: 70,
  maxUriBytes: 2 * 1024,
  uriLen: 256,
  callIdLen: 256,
  requestNameLen: 20,
  fromLen: 256,
  toLen: 256,
  viaLen: 1024,
  contactLen: 256,
  contentLen: 1024,
});

/** Merges caller overrides once, so the hot path reads plain numbers. */
export function resolveLimits(overrides?: Partial<SipLimits>): SipLimits {
  if (!overrides) return DEFAULT_SIP_LIMITS;
  return { ...DEFAULT_SIP_LIMITS, ...overrides };
}
