//! Pairs responses with their request (top Via branch + CSeq number and method + Call-ID, RFC 3261
//! §17) and marks retransmissions, so signatures can ask what a 401 answered and floods skip
//! resends. Bounded: entries live ~32 s of event time (Timer B/F = 64·T1) and at most `maxEntries`.
import type { SipEvent } from '../../../schema/src/sip-event';

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
  /** Identity (RFC 3261 §17.1.3 / §17.2.3): with the Call-ID it is filed under. */
  branch: string;
  seq: number;
  method: string;
  createdMs: number;
  requestSeen: boolean;
  requestMethod?: string;
  hasAuth?: boolean;
  authUsername?: string;
  sourceIp?: string;
  userAgent?: string;
  /**
   * Status codes already answered; a transaction sees very few, so an array beats a Set. Made at
   * the first status: an empty array's first push allocates 17 slots (~150 B per transaction).
   */
  statuses: number[] | undefined;
}

interface Filed {
  callId: string;
  txn: Transaction;
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

/**
 * Transactions filed by Call-ID, each call's few in a short list, plus a queue in creation order for
 * expiry and the bound. Measured: a string key per message (Call-ID + branch + CSeq + method) cost
 * ~1 µs to build and hash per lookup and was a twelfth of the engine; the Call-ID string is hashed
 * once per message and that hash is reused by the dialog table's lookup of the same string.
 * Entries are never touched after creation, so creation order is what the LRU table kept before.
 */
export class TransactionTable {
  private readonly byCall = new Map<string, Transaction[]>();
  /** Creation order; `head` is the oldest live entry. */
  private queue: Array<Filed | undefined> = [];
  private head = 0;
  /** Entries dropped because the table was full (not because they expired). */
  evictions = 0;

  constructor(
    private readonly maxEntries = DEFAULT_MAX_TRANSACTIONS,
    private readonly ttlMs = TRANSACTION_TTL_MS,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be ≥ 1');
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Records `event` at event time `now` and writes what is known about its transaction into `out`. */
  observe(event: SipEvent, now: number, out: TxnInfo): void {
    resetTxnInfo(out);
    // Oldest first: entries are created in event-time order, so the front expires first.
    for (let dropped = 0; dropped < 8 && this.size > 0; dropped++) {
      const oldest = this.queue[this.head] as Filed;
      if (now - oldest.txn.createdMs < this.ttlMs) break;
      this.dropOldest();
    }
    const sip = event.sip;
    const callId = sip.call_id;
    const seq = sip.cseq?.seq;
    const method = sip.type === 'request' ? sip.method : sip.cseq?.method;
    if (callId === undefined || seq === undefined || method === undefined) return;
    const branch = sip.via?.[0]?.branch ?? '';
    const calls = this.byCall.get(callId);
    let txn: Transaction | undefined;
    if (calls !== undefined) {
      for (const t of calls) {
        if (
          t.branch === branch &&
          t.method === method &&
          (t.seq === seq || (Number.isNaN(t.seq) && Number.isNaN(seq)))
        ) {
          txn = t;
          break;
        }
      }
    }
    if (sip.type === 'request') {
      if (txn?.requestSeen === true) out.retransmission = true;
      txn ??= this.create(callId, calls, branch, seq, method, now);
      if (!txn.requestSeen) {
        txn.requestSeen = true;
        txn.requestMethod = sip.method;
        txn.hasAuth = sip.auth !== undefined;
        txn.authUsername = sip.auth?.username;
        txn.sourceIp = event.source.ip;
        txn.userAgent = sip.user_agent;
      }
      return;
    }
    // The request was not captured (or expired): remember the response for resend detection.
    txn ??= this.create(callId, calls, branch, seq, method, now);
    const status = sip.status_code;
    if (status !== undefined) {
      const statuses = txn.statuses;
      if (statuses === undefined) txn.statuses = [status];
      else if (statuses.includes(status)) out.retransmission = true;
      else if (statuses.length < 8) statuses.push(status);
    }
    if (txn.requestSeen) {
      out.request_method = txn.requestMethod;
      out.request_has_auth = txn.hasAuth;
      out.request_auth_username = txn.authUsername;
      out.request_source_ip = txn.sourceIp;
      out.request_user_agent = txn.userAgent;
    }
  }

  clear(): void {
    this.byCall.clear();
    this.queue = [];
    this.head = 0;
  }

  private create(
    callId: string,
    calls: Transaction[] | undefined,
    branch: string,
    seq: number,
    method: string,
    now: number,
  ): Transaction {
    if (this.size >= this.maxEntries) {
      this.dropOldest();
      this.evictions++;
      // Eviction may have emptied (and removed) this call's list.
      calls = this.byCall.get(callId);
    }
    // Every field in the literal: fields added later would go to a separate property array.
    const txn: Transaction = {
      branch,
      seq,
      method,
      createdMs: now,
      requestSeen: false,
      requestMethod: undefined,
      hasAuth: undefined,
      authUsername: undefined,
      sourceIp: undefined,
      userAgent: undefined,
      statuses: undefined,
    };
    if (calls === undefined) this.byCall.set(callId, [txn]);
    else calls.push(txn);
    this.queue.push({ callId, txn });
    return txn;
  }

  private dropOldest(): void {
    const oldest = this.queue[this.head] as Filed;
    this.queue[this.head] = undefined;
    this.head++;
    // Compact once the dead front is the larger part (amortised O(1) per entry).
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const calls = this.byCall.get(oldest.callId);
    if (calls === undefined) return;
    const at = calls.indexOf(oldest.txn);
    if (at >= 0) calls.splice(at, 1);
    if (calls.length === 0) this.byCall.delete(oldest.callId);
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
