//! The SIP event: one JSON object per SIP message. This is the wire contract between collectors
//! and analyzers (Kafka value, `sipward decode` output); see docs/contracts.md "SIP event".
//! Optional fields are omitted, never empty, when the message does not carry the information.

import type { AnomalyCode } from './anomalies';

/** Bumped when a field changes meaning or type; carried in the Kafka `schema-version` header. */
export const SCHEMA_VERSION = 1;

export type Transport = 'udp' | 'tcp' | 'sctp' | 'ws' | 'wss' | 'tls';

export interface SipAddressPart {
  user?: string;
  host?: string;
  display_name?: string;
  tag?: string;
  /** The URI scheme as sent: sip, sips, tel. */
  scheme?: string;
}

export interface SipVia {
  transport?: string;
  host?: string;
  port?: number;
  branch?: string;
  received?: string;
  /** `true` when `rport` is present without a value, the number when it has one. */
  rport?: number | true;
}

export interface SipContact {
  user?: string;
  host?: string;
  port?: number;
  expires?: number;
  /** `Contact: *` (wildcard, used to remove every binding). */
  wildcard?: true;
}

export interface SipAuth {
  scheme?: string;
  username?: string;
  realm?: string;
  uri?: string;
  /** Which header carried it. */
  header?: 'authorization' | 'proxy-authorization';
}

export interface SipIdentityUri {
  display_name?: string;
  user?: string;
  host?: string;
  scheme?: string;
}

/** The RFC 8224 Identity header's PASSporT claims (signature not verified). */
export interface SipStirIdentity {
  /** The token is a readable JWS with a JSON header and payload. */
  valid: boolean;
  /** SHAKEN attestation: A, B or C. */
  attest?: string;
  /** orig.tn, digits only. */
  orig_tn?: string;
  /** dest.tn, digits only. */
  dest_tn?: string[];
  /** `ppt` parameter (e.g. shaken). */
  ppt?: string;
}

export interface SipIdentity {
  pai?: SipIdentityUri[];
  ppi?: SipIdentityUri;
  privacy?: string;
  diversion?: SipIdentityUri[];
  history_info_count?: number;
  /** Identity header (STIR/SHAKEN), the first one of the message. */
  stir?: SipStirIdentity;
}

export interface SdpMedia {
  type: string;
  port: number;
  proto?: string;
  codecs?: string[];
  /** Media-level c= address when it differs from the session-level one. */
  connection_ip?: string;
}

export interface SipSdp {
  connection_ip?: string;
  origin_ip?: string;
  media: SdpMedia[];
  has_crypto: boolean;
  has_fingerprint?: boolean;
}

export interface SipFields {
  type: 'request' | 'response';
  method?: string;
  status_code?: number;
  reason_phrase?: string;
  request_uri?: string;
  request_uri_user?: string;
  request_uri_host?: string;
  request_uri_scheme?: string;
  call_id?: string;
  cseq?: { seq?: number; method?: string };
  from?: SipAddressPart;
  to?: SipAddressPart;
  via?: SipVia[];
  contact?: SipContact[];
  user_agent?: string;
  server?: string;
  auth?: SipAuth;
  identity?: SipIdentity;
  max_forwards?: number;
  expires?: number;
  content_type?: string;
  content_length?: number;
  body_length?: number;
  sdp?: SipSdp;
  size: number;
  anomalies?: AnomalyCode[];
  /**
   * The message text as captured (start line, headers, body; at most 8 KiB, then "…[truncated]"),
   * credentials redacted (digest `response`, any `password`); only when the collector carries it
   * (`--with-raw`; `analyze` does by default). Alerts quote it as readable evidence.
   */
  raw?: string;
  /** Full header list; only when the collector is configured to carry it. */
  headers?: Array<[string, string]>;
  /** Further headers the analyzer reads (Route, Record-Route, Refer-To, P-headers ...). */
  route?: string[];
  record_route?: string[];
  refer_to?: string;
  p_headers?: string[];
}

export interface SipEvent {
  '@timestamp': string;
  event: { id: string; kind: 'event'; dataset: 'sipward.sip'; original_size?: number };
  observer?: { id?: string; ingress?: { interface?: { name?: string } } };
  source: { ip: string; port: number };
  destination: { ip: string; port: number };
  network: { transport: Transport; protocol: 'sip'; vlan?: { id: number }[]; tunnel?: string[] };
  sip: SipFields;
  /** Events received as HEP (`--hep`): who exported the message, and its correlation id. */
  hep?: HepFields;
}

/** HEP v3 chunks kept on the event (the auth key never is). */
export interface HepFields {
  /** Capture agent id (chunk 0x000c). */
  node_id?: number;
  /** Capture node name / group id (chunk 0x0013). */
  node_name?: string;
  /** Correlation id (chunk 0x0011), e.g. the Call-ID of the leg on the other side of an SBC. */
  correlation_id?: string;
}
