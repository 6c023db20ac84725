//! The call record: one document per INVITE dialog, for fraud teams (docs/contracts.md "Call record").
//! `sipward analyze --calls FILE` writes them as JSONL; the pipeline indexes them with `_id` =
//! event.id. Optional fields are omitted, never empty, when the signalling did not carry them.

/**
 * How the call ended. `answered`: a 2xx to the INVITE. `busy`: 486/600. `no_answer`: 408/480.
 * `cancelled`: the caller sent CANCEL (487), ringing or not. `rejected`: other 3xx-6xx, including a
 * 401/407 challenge never answered by a new INVITE. `failed`: 5xx. `timeout`: no final response
 * within the setup timeout. `unknown`: evicted or flushed before anything conclusive was seen.
 */
export type CallOutcome =
  'answered' | 'busy' | 'no_answer' | 'cancelled' | 'rejected' | 'failed' | 'timeout' | 'unknown';

/** Who ended the call: a BYE from the caller or the callee, a CANCEL, or the tracker's timeout. */
export type CallEndedBy = 'caller' | 'callee' | 'expired' | 'cancel';

export interface CallCaller {
  user?: string;
  host?: string;
  display_name?: string;
  /** Digest username of the (last) authenticated INVITE. */
  auth_user?: string;
  /** Source address of the first INVITE as seen on the wire. */
  ip: string;
  port: number;
  user_agent?: string;
}

export interface CallCallee {
  request_uri_user?: string;
  to_user?: string;
  host?: string;
  /** The dialled number as E.164 digits without '+', when it could be read as international. */
  e164?: string;
  /** ISO 3166-1 alpha-2 country; absent for non-geographic codes (+870/+881/+882/+883/+979 ..., see number_type). */
  country?: string;
  /** libphonenumber-js type (FIXED_LINE, MOBILE, PREMIUM_RATE, VOIP ...) when known. */
  number_type?: string;
}

export interface CallMedia {
  /** From the caller's SDP offer (INVITE, or the latest re-INVITE). */
  caller_ip?: string;
  caller_port?: number;
  /** From the callee's SDP answer (183/200, or the latest re-INVITE answer). */
  callee_ip?: string;
  callee_port?: number;
}

export interface CallRecord {
  /** Setup time: the first INVITE. */
  '@timestamp': string;
  event: {
    kind: 'event';
    dataset: 'sipward.call';
    /** Deterministic: hash of Call-ID + From tag + first INVITE time (re-processing never duplicates). */
    id: string;
  };
  call_id: string;
  /** First INVITE. */
  start: string;
  /** 2xx to the INVITE. */
  answer?: string;
  /** BYE, CANCEL, final error response, or the expiry time. */
  end: string;
  /** Answer → end in seconds (µs resolution); 0 when unanswered. */
  duration_s: number;
  /** First INVITE → the final response that settled the call, in ms (a 401/407 answered by a new INVITE does not). */
  setup_ms?: number;
  /** Status code of the final response to the INVITE. */
  final_status?: number;
  outcome: CallOutcome;
  ended_by?: CallEndedBy;
  caller: CallCaller;
  callee: CallCallee;
  /** Via hosts of the first INVITE, top (last hop) first. */
  path: string[];
  media: CallMedia;
  /**
   * Ids of every alert whose incident counted a message of this call (`sipward.call_ids` of the
   * alert names it back). `analyze` fills it; see README for the pipeline.
   */
  alert_ids: string[];
  /** Present when the tracker ended the call by timeout (no BYE, no final) or at end of input. */
  expired?: true;
}
