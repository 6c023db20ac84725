//! The unit transport/ hands to the SIP parser: one message's bytes plus where and when it was
//! captured, from a TCP stream, a WebSocket connection or an SCTP association.

import type { StreamAnomalyCode } from './stream-anomalies';

/** One SIP message cut from a stream (TCP, WebSocket) or association (SCTP). */
export interface StreamMessage {
  /** `srcIp|srcPort|dstIp|dstPort`: one direction of the connection. */
  flowKey: string;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  ipVersion: 4 | 6;
  interfaceId: number;
  /** From the latest segment of the flow. */
  vlan: number[];
  tunnel: string[];
  /** L4 protocol (so a StreamMessage is a SipEventMeta as it stands). */
  protocol: 'tcp' | 'sctp';
  /** network.transport of the SIP event: 'ws' for SIP over WebSocket on TCP. */
  transport: 'tcp' | 'ws' | 'sctp';
  /** Capture time of the newest segment holding bytes of this message. */
  tsSec: number;
  tsNsec: number;
  /** Owned bytes of exactly one message. */
  data: Buffer;
  /** Cut after the headers because Content-Length was absent or unusable (missing_content_length). */
  missingContentLength: boolean;
  /** Stream anomalies since the previous message of this direction; shared empty array when none. */
  anomalies: readonly StreamAnomalyCode[];
}
