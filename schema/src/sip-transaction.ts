//! The SIP transaction log record (Zeek sip.log / HOMER style): one document per SIP transaction —
//! the request, its final response, timings, auth outcome, user agents, key headers and dialog —
//! written by `analyze --sip-log FILE` (JSONL) and indexed by the analyzer daemon into
//! `logs-sipward.sip-<ns>`. Optional fields are omitted when the messages did not carry them.

/** How the transaction ended: a final response, no final response within 32 s, or evicted from a full table. */
export type SipTransactionState = 'completed' | 'timeout' | 'evicted' | 'flushed';

/** Digest outcome: no credentials and a 401/407 (`challenged`), credentials and a 2xx/other final (`accepted`/`rejected`). */
export type SipAuthResult = 'challenged' | 'accepted' | 'rejected';

export interface SipTransaction {
  /** The request's capture time (the first response's when the request was not captured). */
  '@timestamp': string;
  event: {
    kind: 'event';
    dataset: 'sipward.sip';
    /** Deterministic: hash of the transaction key and its first message's event id. */
    id: string;
    /** Request → final response, in nanoseconds (ECS). */
    duration?: number;
    outcome: 'success' | 'failure' | 'unknown';
  };
  /** The requester (UAC side of the transaction). */
  source: { ip: string; port: number };
  destination: { ip: string; port: number };
  network: { transport: string; protocol: 'sip' };
  observer?: { id?: string };
  /** The requester's User-Agent. */
  user_agent?: { original: string };
  sip: {
    method: string;
    call_id: string;
    cseq: number;
    request_uri?: string;
    request_uri_user?: string;
    from?: { user?: string; host?: string; tag?: string; display_name?: string };
    to?: { user?: string; host?: string; tag?: string };
    status_code?: number;
    reason_phrase?: string;
    /** Provisional status codes seen (1xx), in order, each once. */
    provisional?: number[];
    /** The responder's Server (or User-Agent) header. */
    server?: string;
    contact?: string[];
    via_count?: number;
    max_forwards?: number;
    expires?: number;
    content_type?: string;
    request_size?: number;
    response_size?: number;
    /** Request messages seen again (retransmissions) before the final response. */
    retransmissions: number;
    auth?: { username?: string; realm?: string; result?: SipAuthResult };
    timings: {
      /** Request → first response (1xx or final), ms. */
      first_response_ms?: number;
      /** Request → final response, ms. */
      final_ms?: number;
    };
    state: SipTransactionState;
    /** event.id of the request and of the final response (links to evidence and `sipward extract`). */
    request_event_id?: string;
    response_event_id?: string;
  };
}
