//! SIP events → one transaction record per request and its final response (schema/src/sip-transaction.ts).
//! Event time drives everything, so a file and live traffic give the same log. Bounded: open
//! transactions live 32 s of event time (Timer B/F) and at most `maxTransactions`; a completed
//! one is remembered until then so retransmitted requests and responses are absorbed, not logged.
//! ACKs are not logged: they have no response and belong to their INVITE's transaction/dialog.
import { createHash } from 'node:crypto';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { SipAuthResult, SipTransaction, SipTransactionState } from '../../../schema/src/sip-transaction';
import { eventTimeMs } from '../engine/event-time';
import { LruTable } from '../state/lru-table';
import { TRANSACTION_TTL_MS, transactionKey } from '../state/transaction-table';

export interface TransactionLogOptions {
  onTransaction: (record: SipTransaction) => void;
  maxTransactions?: number;
}

export interface TransactionLogStats {
  transactions: number;
  timeouts: number;
  evicted: number;
}

interface Open {
  key: string;
  createdMs: number;
  request?: SipEvent;
  requestMs?: number;
  retransmissions: number;
  provisional: number[];
  firstResponseMs?: number;
  final?: SipEvent;
  finalMs?: number;
  done: boolean;
}

const DEFAULT_MAX_TRANSACTIONS = 200_000;

export class SipTransactionLog {
  private readonly open: LruTable<string, Open>;
  private nowMs = -Infinity;
  private count = 0;
  private timeouts = 0;

  constructor(private readonly options: TransactionLogOptions) {
    this.open = new LruTable(options.maxTransactions ?? DEFAULT_MAX_TRANSACTIONS, (_key, t) => {
      if (!t.done) this.emit(t, 'evicted');
    });
  }

  process(event: SipEvent): void {
    const sip = event.sip;
    if (sip.type === 'request' && sip.method === 'ACK') return;
    const now = eventTimeMs(event['@timestamp']);
    this.advance(now);
    const key = transactionKey(event);
    if (key === undefined) return;
    let t = this.open.peek(key);
    if (t === undefined) {
      t = { key, createdMs: now, retransmissions: 0, provisional: [], done: false };
      this.open.set(key, t);
    }
    if (t.done) return; // a retransmission after the final response
    if (sip.type === 'request') {
      if (t.request === undefined) {
        t.request = event;
        t.requestMs = now;
      } else t.retransmissions++;
      return;
    }
    const status = sip.status_code;
    if (status === undefined) return;
    t.firstResponseMs ??= now;
    if (status < 200) {
      if (!t.provisional.includes(status) && t.provisional.length < 8) t.provisional.push(status);
      return;
    }
    t.final = event;
    t.finalMs = now;
    this.emit(t, 'completed');
  }

  /** Event time moves on: transactions without a final response for 32 s are written as timeouts. */
  advance(now: number): void {
    if (!(now > this.nowMs)) return;
    this.nowMs = now;
    // Insertion order is creation order (entries are never touched), so the front expires first.
    this.open.dropWhile((t) => {
      if (now - t.createdMs < TRANSACTION_TTL_MS) return false;
      if (!t.done) this.emit(t, 'timeout');
      return true;
    });
  }

  /** End of input: every open transaction is written as it stands. */
  flush(): void {
    for (const t of this.open.values()) if (!t.done) this.emit(t, 'flushed');
    this.open.clear();
  }

  stats(): TransactionLogStats {
    return { transactions: this.count, timeouts: this.timeouts, evicted: this.open.evictions };
  }

  private emit(t: Open, state: SipTransactionState): void {
    t.done = true;
    if (t.request === undefined && t.final === undefined) return; // only provisional responses seen
    this.count++;
    if (state === 'timeout') this.timeouts++;
    this.options.onTransaction(toRecord(t, state));
  }
}

function authResult(request: SipEvent | undefined, status: number | undefined): SipAuthResult | undefined {
  if (status === undefined) return undefined;
  const hasAuth = request?.sip.auth !== undefined;
  if (!hasAuth) return status === 401 || status === 407 ? 'challenged' : undefined;
  return status >= 200 && status < 300 ? 'accepted' : 'rejected';
}

function recordId(key: string, first: SipEvent): string {
  return createHash('sha256').update(key).update('\u0000').update(first.event.id).digest('hex').slice(0, 32);
}

function toRecord(t: Open, state: SipTransactionState): SipTransaction {
  const req = t.request;
  const fin = t.final;
  const first = (req ?? fin) as SipEvent;
  const rs = req?.sip;
  const fs = fin?.sip;
  // The requester: the request's source, or the final response's destination.
  const source = req !== undefined ? req.source : (fin as SipEvent).destination;
  const destination = req !== undefined ? req.destination : (fin as SipEvent).source;
  const status = fs?.status_code;
  const outcome: SipTransaction['event']['outcome'] =
    status === undefined ? 'unknown' : status < 300 ? 'success' : 'failure';
  const any = rs ?? fs;
  const from = any?.from;
  const to = fs?.to ?? rs?.to;
  const auth = authResult(req, status);
  const realm = rs?.auth?.realm;
  const username = rs?.auth?.username;
  const sip: SipTransaction['sip'] = {
    method: rs?.method ?? fs?.cseq?.method ?? 'UNKNOWN',
    call_id: any?.call_id ?? '',
    cseq: any?.cseq?.seq ?? 0,
    retransmissions: t.retransmissions,
    timings: {},
    state,
  };
  if (rs?.request_uri !== undefined) sip.request_uri = rs.request_uri;
  if (rs?.request_uri_user !== undefined) sip.request_uri_user = rs.request_uri_user;
  if (from !== undefined) {
    sip.from = {
      ...(from.user !== undefined ? { user: from.user } : {}),
      ...(from.host !== undefined ? { host: from.host } : {}),
      ...(from.tag !== undefined ? { tag: from.tag } : {}),
      ...(from.display_name !== undefined ? { display_name: from.display_name } : {}),
    };
  }
  if (to !== undefined) {
    sip.to = {
      ...(to.user !== undefined ? { user: to.user } : {}),
      ...(to.host !== undefined ? { host: to.host } : {}),
      ...(to.tag !== undefined ? { tag: to.tag } : {}),
    };
  }
  if (status !== undefined) sip.status_code = status;
  if (fs?.reason_phrase !== undefined) sip.reason_phrase = fs.reason_phrase;
  if (t.provisional.length > 0) sip.provisional = t.provisional.slice();
  const server = fs?.server ?? fs?.user_agent;
  if (server !== undefined) sip.server = server;
  const contact = (rs?.contact ?? fs?.contact ?? []).map(
    (c) =>
      `${c.wildcard === true ? '*' : `${c.user !== undefined ? `${c.user}@` : ''}${c.host ?? ''}${c.port !== undefined ? `:${c.port}` : ''}`}`,
  );
  if (contact.length > 0) sip.contact = contact;
  if (rs?.via !== undefined) sip.via_count = rs.via.length;
  if (rs?.max_forwards !== undefined) sip.max_forwards = rs.max_forwards;
  const expires = fs?.expires ?? rs?.expires;
  if (expires !== undefined) sip.expires = expires;
  const contentType = rs?.content_type ?? fs?.content_type;
  if (contentType !== undefined) sip.content_type = contentType;
  if (rs !== undefined) sip.request_size = rs.size;
  if (fs !== undefined) sip.response_size = fs.size;
  if (auth !== undefined || username !== undefined || realm !== undefined) {
    sip.auth = {
      ...(username !== undefined ? { username } : {}),
      ...(realm !== undefined ? { realm } : {}),
      ...(auth !== undefined ? { result: auth } : {}),
    };
  }
  if (t.requestMs !== undefined && t.firstResponseMs !== undefined) {
    sip.timings.first_response_ms = round3(t.firstResponseMs - t.requestMs);
  }
  if (t.requestMs !== undefined && t.finalMs !== undefined) sip.timings.final_ms = round3(t.finalMs - t.requestMs);
  if (req !== undefined) sip.request_event_id = req.event.id;
  if (fin !== undefined) sip.response_event_id = fin.event.id;
  const record: SipTransaction = {
    '@timestamp': first['@timestamp'],
    event: {
      kind: 'event',
      dataset: 'sipward.sip',
      id: recordId(t.key, first),
      ...(sip.timings.final_ms !== undefined ? { duration: Math.round(sip.timings.final_ms * 1e6) } : {}),
      outcome,
    },
    source: { ip: source.ip, port: source.port },
    destination: { ip: destination.ip, port: destination.port },
    network: { transport: first.network.transport, protocol: 'sip' },
    sip,
  };
  if (first.observer?.id !== undefined) record.observer = { id: first.observer.id };
  if (rs?.user_agent !== undefined) record.user_agent = { original: rs.user_agent };
  return record;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
