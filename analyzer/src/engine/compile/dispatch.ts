//! Signature dispatch: a message visits only the signatures that can match it. Each signature's
//! gate is the part of its top-level `where` that reads the message's type, method, CSeq method and
//! status code (all AND-ed with the rest, so a failing gate means a failing `where`). The gate reads
//! nothing else, so its verdict is the same for every message with the same (type, method,
//! CSeq method, status): the list of signatures is computed once per such key and cached. The cache
//! is keyed by what varies in well-formed messages (a request's method, a response's CSeq method and
//! status); a message whose other fields are unusual (a request whose CSeq method differs from its
//! method, or has none) is dispatched uncached, so the cache never answers for a key it was not built from.
//!
//! The engine also gives each signature its conditions (compileConditions): the ways it can matter
//! at all — its steps (sequence), start or end (concurrent), numerator or denominator (ratio) — each
//! with its own gate and, when no method or status narrows it, a field it needs present. Whether
//! each such field (`sip.anomalies`, `sip.sdp`, `dialog.event` …) is present is one bit of the key,
//! so a message without anomalies never visits the signatures that read only anomalies.
import type { SipEvent } from '../../../../schema/src/sip-event';
import { compileMatcher, compilePredicate, fieldPath, testPath, type FieldPath, type Predicate } from './compile';
import type { Enrichment } from '../enrich/enrichment';
import type { PredicateSpec, Signature } from '../signature';

/** The `where` keys a gate may use: each is a function of the dispatch key alone. */
export const GATE_KEYS: readonly string[] = ['sip.type', 'sip.method', 'sip.cseq.method', 'sip.status_code'];

/** Distinct keys cached per table; past it (a fuzzer inventing methods) lists are computed per message. */
const MAX_CACHED_KEYS = 512;

/** Presence bits in a key: each costs one field read per message, so only a few. */
const MAX_FEATURES = 16;

/** Roots the collector sets on every event: their presence tells nothing, so they are never a feature. */
const ALWAYS_SET: ReadonlySet<string> = new Set(['@timestamp', 'event', 'source', 'destination', 'network']);

/** The part of `spec` on the gate keys, compiled; undefined when it has none. */
function gateOf(spec: PredicateSpec | undefined): Predicate | undefined {
  if (spec === undefined) return undefined;
  const gate: Record<string, unknown> = {};
  let used = false;
  for (const key of GATE_KEYS) {
    if (key in spec) {
      gate[key] = spec[key];
      used = true;
    }
  }
  return used ? compilePredicate(gate, ['where']) : undefined;
}

/**
 * The signature's gate, or undefined when its `where` has none of the gate keys. `half_open` sees
 * every response (final responses close its pending requests), so its gate holds for requests only.
 */
export function compileGate(signature: Signature): Predicate | undefined {
  const gate = gateOf(signature.where);
  if (gate === undefined || signature.kind !== 'half_open') return gate;
  return (event, txn) => event.sip.type === 'response' || gate(event, txn);
}

/** `spec` without its gate keys: what is left to test once the dispatch admitted a message. */
export function withoutGateKeys(spec: PredicateSpec): PredicateSpec {
  const rest: PredicateSpec = {};
  for (const [key, value] of Object.entries(spec)) if (!GATE_KEYS.includes(key)) rest[key] = value;
  return rest;
}

/** One way a signature can matter: a gate on the dispatch keys and fields one of which suffices to require. */
export interface Condition {
  /** On the dispatch keys; undefined: any key. */
  readonly gate: Predicate | undefined;
  /**
   * Fields the condition cannot hold without (each not undefined or null), any one of which may be
   * made a presence bit. Only for conditions without a gate: a presence bit costs a field read per
   * message, which pays for the signatures every message would visit, not for the gated ones.
   */
  readonly needs: readonly string[];
}

/**
 * Fields `spec` cannot hold without: top-level entries whose matcher fails on an absent value, and
 * their prefixes (a field inside an absent object is absent). Longest first; gate keys and fields
 * of always-set roots left out.
 */
function neededFields(spec: PredicateSpec | undefined): string[] {
  const out: string[] = [];
  if (spec === undefined) return out;
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'any' || key === 'all' || key === 'not' || GATE_KEYS.includes(key)) continue;
    const segs = key.split('.');
    if (ALWAYS_SET.has(segs[0] as string) || isFieldComparison(value)) continue;
    const test = compileMatcher(value, ['where', key]);
    if (test(undefined) || test(null)) continue;
    for (let n = segs.length; n >= 2; n--) {
      const path = segs.slice(0, n).join('.');
      if (!out.includes(path)) out.push(path);
    }
  }
  return out;
}

function isFieldComparison(value: unknown): boolean {
  return value !== null && typeof value === 'object' && ('same_as' in value || 'differs_from' in value);
}

function both(a: Predicate | undefined, b: Predicate | undefined): Predicate | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (event, txn) => a(event, txn) && b(event, txn);
}

/**
 * The ways `signature` can matter to a message, any one of which must hold (undefined: every
 * message may matter). Each is `where` AND one of the kind's alternatives: a sequence step, a
 * concurrent start or end, a ratio numerator or denominator; a half_open signature sees every
 * response. Only what the kinds themselves test before touching state is used, so leaving out a
 * message no condition admits changes nothing.
 */
export function compileConditions(signature: Signature): Condition[] | undefined {
  const where = signature.where;
  const whereGate = gateOf(where);
  let alternatives: Array<PredicateSpec | undefined>;
  switch (signature.kind) {
    case 'sequence':
      alternatives = (signature.steps ?? []).map((step) => step.where);
      break;
    case 'concurrent':
      alternatives = [signature.start, signature.end];
      break;
    case 'ratio':
      alternatives = [signature.numerator, signature.denominator];
      break;
    default:
      alternatives = [undefined];
  }
  const conditions = alternatives.map((alternative): Condition => {
    const gate = both(whereGate, gateOf(alternative));
    return { gate, needs: gate !== undefined ? [] : [...neededFields(where), ...neededFields(alternative)] };
  });
  if (signature.kind === 'half_open') {
    conditions.push({ gate: (event) => event.sip.type === 'response', needs: [] });
  }
  if (conditions.some((c) => c.gate === undefined && c.needs.length === 0)) return undefined;
  return conditions;
}

export interface Gated<T> {
  readonly item: T;
  readonly gate: Predicate | undefined;
  /** Further conditions, one of which must hold too (compileConditions); undefined: none. */
  readonly conditions?: readonly Condition[] | undefined;
}

interface Entry<T> {
  readonly item: T;
  readonly gate: Predicate | undefined;
  /** Conditions with the presence bit each needs (0: none). */
  readonly conditions: ReadonlyArray<{ gate: Predicate | undefined; bit: number }> | undefined;
}

const isPresent = (v: unknown): boolean => v !== undefined && v !== null;

/** Lists by presence bits (the last level of every cache table). */
type ByFeatures<T> = Map<number, readonly T[]>;

export class SignatureDispatch<T> {
  private readonly entries: ReadonlyArray<Entry<T>>;
  /** Fields whose presence is a bit of the key (bit i = features[i]). */
  private readonly features: readonly FieldPath[];
  private readonly requests = new Map<string | undefined, ByFeatures<T>>();
  /** CSeq method → status code → presence bits → items. */
  private readonly responses = new Map<string | undefined, Map<number | undefined, ByFeatures<T>>>();
  private keys = 0;

  /** `entries` in evaluation order; every list keeps that order (alerts come out the same). */
  constructor(entries: ReadonlyArray<Gated<T>>) {
    // One field per condition, preferring those other conditions can use too (fewer reads per message).
    const uses = new Map<string, number>();
    for (const { conditions } of entries)
      for (const c of conditions ?? []) for (const f of c.needs) uses.set(f, (uses.get(f) ?? 0) + 1);
    const features: string[] = [];
    this.entries = entries.map(({ item, gate, conditions }) => ({
      item,
      gate,
      conditions: conditions?.map((c) => {
        let best: string | undefined;
        for (const f of c.needs) if (best === undefined || (uses.get(f) ?? 0) > (uses.get(best) ?? 0)) best = f;
        if (best === undefined) return { gate: c.gate, bit: 0 };
        let index = features.indexOf(best);
        if (index < 0 && features.length < MAX_FEATURES) index = features.push(best) - 1;
        return { gate: c.gate, bit: index < 0 ? 0 : 1 << index };
      }),
    }));
    this.features = features.map(fieldPath);
  }

  /** Keys answered from the cache (bounded by MAX_CACHED_KEYS). */
  get cachedKeys(): number {
    return this.keys;
  }

  /** Fields whose presence the key holds, in bit order. */
  get presenceFields(): string[] {
    return this.features.map((f) => f.text);
  }

  /** The items whose gate and conditions admit `event`, in evaluation order. */
  for(event: SipEvent, txn: Enrichment): readonly T[] {
    const sip = event.sip;
    const bits = this.presence(event, txn);
    if (sip.type === 'response') {
      if (sip.method !== undefined) return this.select(event, txn, bits);
      const method = sip.cseq?.method;
      const byStatus = this.responses.get(method);
      const cached = byStatus?.get(sip.status_code)?.get(bits);
      if (cached !== undefined) return cached;
      const list = this.select(event, txn, bits);
      if (this.keys < MAX_CACHED_KEYS) {
        this.keys++;
        let statuses = byStatus;
        if (statuses === undefined) this.responses.set(method, (statuses = new Map()));
        let byFeatures = statuses.get(sip.status_code);
        if (byFeatures === undefined) statuses.set(sip.status_code, (byFeatures = new Map()));
        byFeatures.set(bits, list);
      }
      return list;
    }
    if (sip.status_code !== undefined || sip.cseq?.method !== sip.method) return this.select(event, txn, bits);
    const byFeatures = this.requests.get(sip.method);
    const cached = byFeatures?.get(bits);
    if (cached !== undefined) return cached;
    const list = this.select(event, txn, bits);
    if (this.keys < MAX_CACHED_KEYS) {
      this.keys++;
      if (byFeatures === undefined) this.requests.set(sip.method, new Map([[bits, list]]));
      else byFeatures.set(bits, list);
    }
    return list;
  }

  private presence(event: SipEvent, txn: Enrichment): number {
    let bits = 0;
    for (let i = 0; i < this.features.length; i++)
      if (testPath(this.features[i] as FieldPath, event, txn, isPresent)) bits |= 1 << i;
    return bits;
  }

  private select(event: SipEvent, txn: Enrichment, bits: number): readonly T[] {
    const out: T[] = [];
    for (const { item, gate, conditions } of this.entries) {
      if (gate !== undefined && !gate(event, txn)) continue;
      if (
        conditions !== undefined &&
        !conditions.some((c) => (c.bit & bits) === c.bit && (c.gate?.(event, txn) ?? true))
      )
        continue;
      out.push(item);
    }
    return out;
  }
}
