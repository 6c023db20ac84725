//! What the analyzer knows about an event beyond the event itself: its transaction (`txn.*`), its
//! dialog (`dialog.*`), the site's view of its addresses (`site.*`) and its numbers (`num.*`).
//! Predicates read these by path exactly like event fields. One object is reused per event;
//! whatever outlives the event (incidents, the pipeline's repartition records) takes a copy.
import { emptyTxnInfo, type TxnInfo } from '../../state/transaction-table';

export interface Enrichment {
  txn: TxnInfo;
  dialog: object;
  site: object;
  num: object;
}

/** Path roots read from the enrichment instead of the event. */
export const ENRICHMENT_ROOTS: ReadonlySet<string> = new Set(['txn', 'dialog', 'site', 'num']);

export function emptyEnrichment(): Enrichment {
  return { txn: emptyTxnInfo(), dialog: {}, site: {}, num: {} };
}

/** Drops undefined members, so copies stay small and serialise the same whichever path made them. */
function compact(part: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(part)) {
    if (v === undefined) continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? compact(v as object) : v;
  }
  return out;
}

/** A detached, JSON-safe copy (incidents keep one for their message; the pipeline ships one). */
export function copyEnrichment(ctx: Enrichment): Enrichment {
  return {
    txn: compact(ctx.txn) as TxnInfo,
    dialog: compact(ctx.dialog),
    site: compact(ctx.site),
    num: compact(ctx.num),
  };
}
