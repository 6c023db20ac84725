//! Evidence of an incident: one-line summaries of SIP events (e.g.
//! "REGISTER 10.77.0.66:5060 → 10.77.0.21:5060 401") with the redacted message text when the event
//! carries it, and the per-event facts the incident's aggregates and call links are built from.
import type { AlertEvidence, EvidenceRole } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { TxnInfo } from '../state/transaction-table';

/** Evidence items in an alert: the first few, the one that crossed the threshold, the last few. */
export const MAX_EVIDENCE = 10;
export const FIRST_EVIDENCE = 4;
export const LAST_EVIDENCE = MAX_EVIDENCE - FIRST_EVIDENCE - 1;
/** Events before a crossing whose facts (call ids, users, targets ...) reach the incident's aggregates. */
export const MAX_TALLIED_BEFORE_CROSSING = 1000;

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * What evidence needs from an event, as references to strings the event already holds (no string
 * building): floods put every event through here, and summaries are written only for alerts.
 */
export interface EvidenceParts {
  id: string;
  timestamp: string;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  transport: string;
  isResponse: boolean;
  /** Request method, or the CSeq method of a response. */
  method: string | undefined;
  requestUriUser: string | undefined;
  status: number | undefined;
  callId: string | undefined;
  /** The account: digest username, else the From user (of the request a response answers when known). */
  user: string | undefined;
  /** The requester's User-Agent (for a response: the request's, from the transaction table). */
  userAgent: string | undefined;
  /** Only kept for events that may be shown (see EvidenceRing); the tally never needs it. */
  raw: string | undefined;
}

/** Writes `event`'s evidence facts into `p` (every field, so `p` keeps its shape). */
function fillParts(p: EvidenceParts, event: SipEvent, txn: TxnInfo | undefined, keepRaw: boolean): void {
  const sip = event.sip;
  const isResponse = sip.type === 'response';
  p.id = event.event.id;
  p.timestamp = event['@timestamp'];
  p.srcIp = event.source.ip;
  p.srcPort = event.source.port;
  p.dstIp = event.destination.ip;
  p.dstPort = event.destination.port;
  p.transport = event.network.transport;
  p.isResponse = isResponse;
  p.method = isResponse ? sip.cseq?.method : sip.method;
  p.requestUriUser = isResponse ? undefined : sip.request_uri_user;
  p.status = isResponse ? sip.status_code : undefined;
  p.callId = sip.call_id;
  p.user = sip.auth?.username ?? (isResponse ? txn?.request_auth_username : undefined) ?? sip.from?.user;
  p.userAgent = isResponse ? txn?.request_user_agent : sip.user_agent;
  p.raw = keepRaw ? sip.raw : undefined;
}

export function partsOf(event: SipEvent, txn?: TxnInfo, keepRaw = true): EvidenceParts {
  const p: EvidenceParts = {
    id: '',
    timestamp: '',
    srcIp: '',
    srcPort: 0,
    dstIp: '',
    dstPort: 0,
    transport: '',
    isResponse: false,
    method: undefined,
    requestUriUser: undefined,
    status: undefined,
    callId: undefined,
    user: undefined,
    userAgent: undefined,
    raw: undefined,
  };
  fillParts(p, event, txn, keepRaw);
  return p;
}

export function summaryOf(p: EvidenceParts): string {
  const path = `${endpoint(p.srcIp, p.srcPort)} → ${endpoint(p.dstIp, p.dstPort)}`;
  // A message the parser could not place has no method: say what it is rather than print "?".
  const method = p.method ?? (p.isResponse ? 'response' : 'request');
  if (p.isResponse) return `${method} ${path} ${p.status ?? 'without status'}`;
  return `${method}${p.requestUriUser !== undefined ? ` ${p.requestUriUser}` : ''} ${path}`;
}

export function toEvidence(p: EvidenceParts, role?: EvidenceRole): AlertEvidence {
  const item: AlertEvidence = { id: p.id, '@timestamp': p.timestamp, summary: summaryOf(p) };
  if (role !== undefined) item.role = role;
  if (p.raw !== undefined) item.raw = p.raw;
  item.source = { ip: p.srcIp, port: p.srcPort };
  item.destination = { ip: p.dstIp, port: p.dstPort };
  item.transport = p.transport;
  return item;
}

/** What a kind hands the incident book when a group crosses its threshold. */
export interface CrossingSample {
  /** The first events of the group's count (message text kept), oldest first. */
  first: EvidenceParts[];
  /** Every counted event before the crossing (up to MAX_TALLIED_BEFORE_CROSSING, newest kept), oldest first. */
  tallied: EvidenceParts[];
}

export const NO_SAMPLE: CrossingSample = Object.freeze({ first: [], tallied: [] }) as CrossingSample;

/**
 * The evidence a group collects before it crosses: the first FIRST_EVIDENCE events with their message
 * text, and the facts of the last `tallyCapacity` events (no text: a flood of groups must not hold
 * kilobytes each) so aggregates and call links cover what was counted.
 */
export class EvidenceRing {
  private readonly first: EvidenceParts[] = [];
  /** The tallied facts, oldest at `head` (a queue, compacted in place). */
  private readonly items: Array<EvidenceParts | undefined> = [];
  private head = 0;
  private readonly capacity: number;

  constructor(tallyCapacity = MAX_EVIDENCE) {
    this.capacity = Math.max(1, Math.min(tallyCapacity, MAX_TALLIED_BEFORE_CROSSING));
  }

  get tallied(): number {
    return this.items.length - this.head;
  }

  push(event: SipEvent, txn?: TxnInfo): void {
    if (this.first.length < FIRST_EVIDENCE) this.first.push(partsOf(event, txn, true));
    if (this.items.length - this.head < this.capacity) this.items.push(partsOf(event, txn, false));
    else {
      // Full (a flood): the oldest facts are overwritten in place and moved to the back, not
      // replaced by a new object per event. Safe because sample()'s `tallied` is only read while
      // the incident opens (the tally keeps strings, never the object), and `first` holds objects
      // of its own.
      const oldest = this.items[this.head] as EvidenceParts;
      this.items[this.head++] = undefined;
      fillParts(oldest, event, txn, false);
      this.items.push(oldest);
      this.compact();
    }
  }

  /** Keeps the newest `count` tallied facts (those of events still inside the window). */
  keepNewest(count: number): void {
    while (this.items.length - this.head > count) this.items[this.head++] = undefined;
    this.compact();
  }

  sample(): CrossingSample {
    return { first: this.first.slice(), tallied: this.items.slice(this.head) as EvidenceParts[] };
  }

  clear(): void {
    this.first.length = 0;
    this.items.length = 0;
    this.head = 0;
  }

  /** Moves the kept facts to the front once the dead front is the larger part (amortised O(1)). */
  private compact(): void {
    if (this.head === 0 || this.head * 2 < this.items.length) return;
    this.items.copyWithin(0, this.head);
    this.items.length -= this.head;
    this.head = 0;
  }
}
