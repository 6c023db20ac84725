//! Signature dispatch: a message visits only the signatures that can match it. Each signature's
//! gate is the part of its top-level `where` that reads the message's type, method, CSeq method and
//! status code (all AND-ed with the rest, so a failing gate means a failing `where`). The gate reads
//! nothing else, so its verdict is the same for every message with the same (type, method,
//! CSeq method, status): the list of signatures is computed once per such key and cached. The cache
//! is keyed by what varies in well-formed messages (a request's method, a response's CSeq method and
//! status); a message whose other fields are unusual (a request whose CSeq method differs from its
//! method, or has none) is dispatched uncached, so the cache never answers for a key it was not built from.
import type { SipEvent } from '../../../../schema/src/sip-event';
import { compilePredicate, type Predicate } from './compile';
import type { Enrichment } from '../enrich/enrichment';
import type { Signature } from '../signature';

/** The `where` keys a gate may use: each is a function of the dispatch key alone. */
const GATE_KEYS: readonly string[] = ['sip.type', 'sip.method', 'sip.cseq.method', 'sip.status_code'];

/** Distinct keys cached per table; past it (a fuzzer inventing methods) lists are computed per message. */
const MAX_CACHED_KEYS = 512;

/**
 * The signature's gate, or undefined when its `where` has none of the gate keys. `half_open` sees
 * every response (final responses close its pending requests), so its gate holds for requests only.
 */
export function compileGate(signature: Signature): Predicate | undefined {
  const where = signature.where;
  if (where === undefined) return undefined;
  const spec: Record<string, unknown> = {};
  let used = false;
  for (const key of GATE_KEYS) {
    if (key in where) {
      spec[key] = where[key];
      used = true;
    }
  }
  if (!used) return undefined;
  const gate = compilePredicate(spec, ['where']);
  if (signature.kind !== 'half_open') return gate;
  return (event, txn) => event.sip.type === 'response' || gate(event, txn);
}

export interface Gated<T> {
  readonly item: T;
  readonly gate: Predicate | undefined;
}

export class SignatureDispatch<T> {
  private readonly requests = new Map<string | undefined, readonly T[]>();
  /** CSeq method → status code → items. */
  private readonly responses = new Map<string | undefined, Map<number | undefined, readonly T[]>>();
  private responseKeys = 0;

  /** `entries` in evaluation order; every list keeps that order (alerts come out the same). */
  constructor(private readonly entries: ReadonlyArray<Gated<T>>) {}

  /** Keys answered from the cache (bounded by MAX_CACHED_KEYS per table). */
  get cachedKeys(): number {
    return this.requests.size + this.responseKeys;
  }

  /** The items whose gate admits `event`, in evaluation order. */
  for(event: SipEvent, txn: Enrichment): readonly T[] {
    const sip = event.sip;
    if (sip.type === 'response') {
      if (sip.method !== undefined) return this.select(event, txn);
      const method = sip.cseq?.method;
      let byStatus = this.responses.get(method);
      const cached = byStatus?.get(sip.status_code);
      if (cached !== undefined) return cached;
      const list = this.select(event, txn);
      if (this.responseKeys < MAX_CACHED_KEYS) {
        if (byStatus === undefined) {
          byStatus = new Map();
          this.responses.set(method, byStatus);
        }
        byStatus.set(sip.status_code, list);
        this.responseKeys++;
      }
      return list;
    }
    if (sip.status_code !== undefined || sip.cseq?.method !== sip.method) {
      return this.select(event, txn);
    }
    const cached = this.requests.get(sip.method);
    if (cached !== undefined) return cached;
    const list = this.select(event, txn);
    if (this.requests.size < MAX_CACHED_KEYS) this.requests.set(sip.method, list);
    return list;
  }

  private select(event: SipEvent, txn: Enrichment): readonly T[] {
    const out: T[] = [];
    for (const { item, gate } of this.entries) if (gate === undefined || gate(event, txn)) out.push(item);
    return out;
  }
}
