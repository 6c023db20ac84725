//! Pairs responses with their request (top Via branch + CSeq number and method + Call-ID, RFC 3261
//! §17) and marks retransmissions, so signatures can ask what a 401 answered and floods skip
//! resends. Bounded: entries live ~32 s of event time (Timer B/F = 64·T1) and at most `maxEntries`.
import type { SipEvent } from '../../../schema/src/sip-event';
import { LruTable } from './lru-table';

/** The `txn.*` fields a predicate can read (README "Enriched fields"). Reused per event. */
export interface TxnInfo {
  /** True when this request, or this response status, was already seen in its transaction. */
  retransmission: boolean;
  request_method?: string;
  request_has_auth?: boolean;
  request_auth_username?: string;
  request_source_ip?: string;
  request_user_agent?: string;
}

interface Transaction {
  createdMs: number;
  requestSeen: boolean;
  method?: string;
  hasAuth?: boolean;
  authUsername?: string;
  sourceIp?: string;
  userAgent?: string;
  /** Status codes already answered; a transaction sees very few, so an array beats a Set. */
  statuses: number[];
}

export const TRANSACTION_TTL_MS = 32_000;
export const DEFAULT_MAX_TRANSACTIONS = 200_000;

export function emptyTxnInfo(): TxnInfo {
  return { retransmission: false };
}

/** Clears `out` to the "nothing known" state without allocating. */
export function resetTxnInfo(out: TxnInfo): void {
  out.retransmission = false;
  out.request_method = undefined;
  out.request_has_auth = undefined;
  out.request_auth_username = undefined;
  out.request_source_ip = undefined;
  out.request_user_agent = undefined;
}

export class TransactionTable {
  private readonly table: LruTable<string, Transaction>;

  constructor(
    maxEntries = DEFAULT_MAX_TRANSACTIONS,
    private readonly ttlMs = TRANSACTION_TTL_MS,
  ) {
    this.table = new LruTable(maxEntries);
  }

  get size(): number {
    return this.table.size;
  }

  get evictions(): number {
    return this.table.evictions;
  }

  /** Records `event` at event time `now` and writes what is known about its transaction into `out`. */
  observe(event: SipEvent, now: number, out: TxnInfo): void {
    resetTxnInfo(out);
    // Oldest first: entries are inserted in event-time order, so the front expires first.
    this.table.dropWhile((t) => now - t.createdMs >= this.ttlMs, 8);
    const sip = event.sip;
    const key = transactionKey(event);
    if (key === undefined) return;
    let txn = this.table.peek(key);
    if (sip.type === 'request') {
      if (txn?.requestSeen === true) out.retransmission = true;
      if (txn === undefined) {
        txn = { createdMs: now, requestSeen: false, statuses: [] };
        this.table.set(key, txn);
      }
      if (!txn.requestSeen) {
        txn.requestSeen = true;
        txn.method = sip.method;
        txn.hasAuth = sip.auth !== undefined;
        txn.authUsername = sip.auth?.username;
        txn.sourceIp = event.source.ip;
        txn.userAgent = sip.user_agent;
      }
      return;
    }
    if (txn === undefined) {
      // The request was not captured (or expired): remember the response for resend detection.
      txn = { createdMs: now, requestSeen: false, statuses: [] };
      this.table.set(key, txn);
    }
    const status = sip.status_code;
    if (status !== undefined) {
      if (txn.statuses.includes(status)) out.retransmission = true;
      else if (txn.statuses.length < 8) txn.statuses.push(status);
    }
    if (txn.requestSeen) {
      out.request_method = txn.method;
      out.request_has_auth = txn.hasAuth;
      out.request_auth_username = txn.authUsername;
      out.request_source_ip = txn.sourceIp;
      out.request_user_agent = txn.userAgent;
    }
  }

  clear(): void {
    this.table.clear();
  }
}

/**
 * Transaction key of a request or response; undefined when the message lacks the parts. The CSeq
 * method is part of it: a CANCEL shares the INVITE's branch but not its method, and an ACK to a
 * non-2xx shares the INVITE branch too and must not look like an INVITE retransmission.
 */
export function transactionKey(event: SipEvent): string | undefined {
  const sip = event.sip;
  const callId = sip.call_id;
  const seq = sip.cseq?.seq;
  const method = sip.type === 'request' ? sip.method : sip.cseq?.method;
  if (callId === undefined || seq === undefined || method === undefined) return undefined;
  return `${callId}\u0000${sip.via?.[0]?.branch ?? ''}\u0000${seq}\u0000${method}`;
}
