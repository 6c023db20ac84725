//! One-line summaries of SIP events for `sipward.evidence` (e.g.
//! "REGISTER 10.77.0.66:5060 → 10.77.0.21:5060 401"): enough to triage without fetching the event.
import type { AlertEvidence } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';

export const MAX_EVIDENCE = 10;

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function summarize(event: SipEvent): string {
  return fromParts(partsOf(event)).summary;
}

export function toEvidence(event: SipEvent): AlertEvidence {
  return fromParts(partsOf(event));
}

/** What a summary needs, as references to strings the event already holds (no string building). */
interface EvidenceParts {
  id: string;
  timestamp: string;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** Request method, or the CSeq method of a response. */
  method: string | undefined;
  requestUriUser: string | undefined;
  status: number | undefined;
}

function partsOf(event: SipEvent): EvidenceParts {
  const sip = event.sip;
  return {
    id: event.event.id,
    timestamp: event['@timestamp'],
    srcIp: event.source.ip,
    srcPort: event.source.port,
    dstIp: event.destination.ip,
    dstPort: event.destination.port,
    method: sip.type === 'response' ? sip.cseq?.method : sip.method,
    requestUriUser: sip.type === 'response' ? undefined : sip.request_uri_user,
    status: sip.type === 'response' ? (sip.status_code ?? -1) : undefined,
  };
}

function fromParts(p: EvidenceParts): AlertEvidence {
  const path = `${endpoint(p.srcIp, p.srcPort)} → ${endpoint(p.dstIp, p.dstPort)}`;
  const summary =
    p.status !== undefined
      ? `${p.method ?? '?'} ${path} ${p.status === -1 ? '?' : p.status}`
      : `${p.method ?? '?'}${p.requestUriUser !== undefined ? ` ${p.requestUriUser}` : ''} ${path}`;
  return { id: p.id, '@timestamp': p.timestamp, summary };
}

/**
 * The last few evidence events of a group, oldest first when read. Floods put every event through
 * here, so it keeps small records of references to the event's own strings (not the event, whose
 * retention would cost ~1 KiB per slot) and writes the summary only when an alert is built
 * (measured: eager summaries were the engine's largest allocation).
 */
export class EvidenceRing {
  private readonly items: EvidenceParts[] = [];
  private head = 0;

  constructor(private readonly capacity = MAX_EVIDENCE) {}

  push(event: SipEvent): void {
    const parts = partsOf(event);
    if (this.items.length < this.capacity) this.items.push(parts);
    else {
      this.items[this.head] = parts;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  toArray(): AlertEvidence[] {
    return [...this.items.slice(this.head), ...this.items.slice(0, this.head)].map(fromParts);
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }
}
