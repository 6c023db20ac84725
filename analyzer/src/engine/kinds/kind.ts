//! What every kind implements: it sees each event (with its `txn.*` enrichment) at engine event
//! time `now`, keeps its own bounded per-group state and opens/updates incidents in the book.
import type { SipEvent } from '../../../../schema/src/sip-event';
import type { Enrichment } from '../enrich/enrichment';
import type { CompiledSignature } from '../compile/compile-signature';
import type { IncidentBook } from '../incidents/incidents';

export interface KindRunner {
  process(event: SipEvent, txn: Enrichment, now: number): void;
  /** Time-driven work (half_open timeouts) up to event time `now`; called before each event. */
  advance?(now: number): void;
  /** What the kind learned, as JSON (baseline kinds: kept across restarts with analyze --state). */
  snapshot?(): unknown;
  restore?(state: unknown): void;
  readonly stateEntries: number;
  readonly evictions: number;
}

export interface KindContext {
  compiled: CompiledSignature;
  book: IncidentBook;
  /** Bound on per-group state of this signature (LRU eviction past it). */
  maxGroups: number;
}

/**
 * The event is evidence for the signature: its `where` holds, and it is neither allowlisted nor
 * (unless the signature opts in) a retransmission. Only for events the signature's dispatch gate
 * admitted (compile/dispatch.ts): the gate's part of `where` is not tested again.
 */
export function selects(compiled: CompiledSignature, event: SipEvent, txn: Enrichment): boolean {
  if (txn.txn.retransmission && !compiled.countRetransmissions) return false;
  if (!compiled.whereAfterGate(event, txn)) return false;
  return compiled.allow === undefined || !compiled.allow(event, txn);
}

/** The incident group of a selected event; undefined when not selected or a group_by field is absent. */
export function selectedGroup(compiled: CompiledSignature, event: SipEvent, txn: Enrichment): string | undefined {
  return selects(compiled, event, txn) ? compiled.groupKey(event, txn) : undefined;
}

/** A windowed kind's count and window, with the catalog's defaults (one event, 60 s). */
export function countWindow(compiled: CompiledSignature): { threshold: number; windowMs: number } {
  const sig = compiled.signature;
  return { threshold: sig.threshold ?? 1, windowMs: sig.windowMs ?? 60_000 };
}

/** Bounded per-group state, as the engine's stats read it. */
export interface StateTable {
  readonly size: number;
  readonly evictions: number;
}

/** `runner` with `stateEntries` and `evictions` read live from its one state table. */
export function runnerOver(table: StateTable, runner: Omit<KindRunner, 'stateEntries' | 'evictions'>): KindRunner {
  return {
    ...runner,
    get stateEntries() {
      return table.size;
    },
    get evictions() {
      return table.evictions;
    },
  };
}
