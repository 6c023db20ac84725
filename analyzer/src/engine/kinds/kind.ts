//! What every kind implements: it sees each event (with its `txn.*` enrichment) at engine event
//! time `now`, keeps its own bounded per-group state and opens/updates incidents in the book.
import type { SipEvent } from '../../../../schema/src/sip-event';
import type { TxnInfo } from '../../state/transaction-table';
import type { CompiledSignature } from '../compile-signature';
import type { IncidentBook } from '../incidents';

export interface KindRunner {
  process(event: SipEvent, txn: TxnInfo, now: number): void;
  /** Time-driven work (half_open timeouts) up to event time `now`; called before each event. */
  advance?(now: number): void;
  readonly stateEntries: number;
  readonly evictions: number;
}

export interface KindContext {
  compiled: CompiledSignature;
  book: IncidentBook;
  /** Bound on per-group state of this signature (LRU eviction past it). */
  maxGroups: number;
}

/** Allowlisted events and (unless the signature opts in) retransmissions never count. */
export function counts(compiled: CompiledSignature, event: SipEvent, txn: TxnInfo): boolean {
  if (txn.retransmission && !compiled.countRetransmissions) return false;
  return compiled.allow === undefined || !compiled.allow(event, txn);
}
