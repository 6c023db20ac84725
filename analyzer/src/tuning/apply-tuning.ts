//! Site tuning applied to the loaded signatures, before the engine compiles them. Pure: signatures +
//! tuning + site → the signatures the engine runs (config/README.md "Tuning").
//!
//! A signature with scoped entries becomes one variant per scope plus the rest: each variant is the
//! signature with its overrides and `where` narrowed to its scope (minus the scopes listed before it,
//! so an event belongs to exactly one variant), the rest keeps the defaults outside every scope.
//! Variants keep the signature's id: alerts look the same, only the numbers differ by scope.
//! Suppress entries become a `not` on `where`: a suppressed event is never evidence.
//! Account groups that declare `expected` rates add scoped overrides to `scales_with` signatures.
import { SipwardError } from '../../../lib/src/errors';
import { parseDuration } from '../engine/load/load-signatures';
import type { LoadedSignature, PredicateSpec, Signature, SignatureKind } from '../engine/signature';
import type { AccountGroup, SiteConfig } from '../site/site-config';
import type { SuppressEntry, TuningConfig, TuningEntry, TuningScope } from './tuning-config';

/** A parameter `set:` may change, the kinds that have it, and how it is written. */
interface Param {
  kinds: readonly SignatureKind[];
  duration: boolean;
  apply: (s: Signature, v: number) => Signature;
}

const COUNTING: readonly SignatureKind[] = [
  'event_count',
  'value_count',
  'ratio',
  'half_open',
  'concurrent',
  'baseline',
];
const WINDOWED: readonly SignatureKind[] = ['event_count', 'value_count', 'ratio', 'sequence', 'half_open', 'baseline'];
const ALL_KINDS: readonly SignatureKind[] = [...COUNTING, 'stateless', 'sequence'];

export const TUNABLE_PARAMETERS: Readonly<Record<string, Param>> = {
  threshold: { kinds: COUNTING, duration: false, apply: (s, v) => ({ ...s, threshold: v }) },
  window: { kinds: WINDOWED, duration: true, apply: (s, v) => ({ ...s, windowMs: v }) },
  suppress: { kinds: ALL_KINDS, duration: true, apply: (s, v) => ({ ...s, suppressMs: v }) },
  timeout: { kinds: ['half_open'], duration: true, apply: (s, v) => ({ ...s, timeoutMs: v }) },
  max_duration: { kinds: ['concurrent'], duration: true, apply: (s, v) => ({ ...s, maxDurationMs: v }) },
  min_events: { kinds: ['ratio'], duration: false, apply: (s, v) => ({ ...s, min_events: v }) },
  learning: { kinds: ['baseline'], duration: true, apply: (s, v) => ({ ...s, learningMs: v }) },
  min_samples: { kinds: ['baseline'], duration: false, apply: (s, v) => ({ ...s, min_samples: v }) },
  factor: { kinds: ['baseline'], duration: false, apply: (s, v) => ({ ...s, factor: v }) },
};

/** Parameters that may be fractional (the rest of the non-durations are whole numbers). */
const FRACTIONAL = new Set(['threshold', 'factor']);

/** One line of `sipward rules effective`: a signature (or one scope of it) as the engine runs it. */
export interface EffectiveRow {
  id: string;
  /** `all`, `rest` (outside every scope) or the scope, e.g. `account_groups=pbx-trunk`. */
  scope: string;
  enabled: boolean;
  severity: Signature['severity'];
  parameters: Record<string, string | number>;
  /** Suppress entries that apply (their origin file:line). */
  suppressed_by: string[];
  /** Where the values come from: `signature` and/or config lines, `site: account_groups[..].expected`. */
  origin: string[];
}

export interface TunedSignatures {
  signatures: Signature[];
  effective: EffectiveRow[];
}

/** A scoped override from any source (config entry or a group's `expected`). */
interface ScopedChange {
  scope: TuningScope;
  disable: boolean;
  severity: Signature['severity'] | undefined;
  values: Record<string, number>;
  origin: string;
}

/** Every problem at once, in file order (messages start with `file:line:`). */
function fail(messages: string[]): never {
  const line = (m: string): number => Number(/^[^:]*:(\d+):/.exec(m)?.[1] ?? 0);
  throw new SipwardError('SIPWARD_CONFIG_INVALID', [...messages].sort((a, b) => line(a) - line(b)).join('\n'));
}

/** `set:` values → numbers (durations in ms), checked against the signature's kind. */
function readValues(entry: TuningEntry, sig: Signature, errors: string[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [key, raw] of Object.entries(entry.set)) {
    const where = `${entry.setAt[key] ?? entry.origin}: tuning.set.${key}`;
    const param = TUNABLE_PARAMETERS[key];
    if (param === undefined) {
      errors.push(`${where}: unknown parameter (one of ${Object.keys(TUNABLE_PARAMETERS).join(', ')})`);
      continue;
    }
    if (!param.kinds.includes(sig.kind)) {
      errors.push(`${where}: ${sig.id} (${sig.kind}) has no parameter ${key}`);
      continue;
    }
    const n = param.duration ? parseDuration(raw) : typeof raw === 'number' ? raw : Number.NaN;
    if (
      n === undefined ||
      !Number.isFinite(n) ||
      n <= 0 ||
      (!param.duration && !FRACTIONAL.has(key) && !Number.isInteger(n))
    ) {
      errors.push(`${where}: not a ${param.duration ? 'duration' : 'positive number'}: ${String(raw)}`);
      continue;
    }
    if (key === 'threshold' && sig.kind !== 'ratio' && !Number.isInteger(n)) {
      errors.push(`${where}: ${sig.id} needs a whole-number threshold: ${String(raw)}`);
      continue;
    }
    values[key] = n;
  }
  return values;
}

function withValues(sig: Signature, values: Record<string, number>): Signature {
  let out = sig;
  for (const [key, v] of Object.entries(values)) out = (TUNABLE_PARAMETERS[key] as Param).apply(out, v);
  return out;
}

function withSeverity(sig: Signature, severity: Signature['severity'] | undefined): Signature {
  if (severity === undefined || severity === sig.severity) return sig;
  // An explicit risk_score belonged to the old severity; the new one brings its own number.
  const { risk_score: _dropped, ...rest } = sig;
  return { ...rest, severity };
}

export function scopePredicate(scope: TuningScope): PredicateSpec {
  const parts: PredicateSpec[] = [];
  if (scope.account_groups !== undefined) parts.push({ 'site.account_group': scope.account_groups });
  if (scope.peers !== undefined) parts.push({ 'site.source_peer': scope.peers });
  // Zones and CIDRs name the side the alert calls `source`: the requester (for a response, its destination).
  if (scope.zones !== undefined)
    parts.push(requester({ 'site.source_zone': scope.zones }, { 'site.destination_zone': scope.zones }));
  if (scope.cidrs !== undefined) {
    parts.push(requester({ 'source.ip': { cidr: scope.cidrs } }, { 'destination.ip': { cidr: scope.cidrs } }));
  }
  return { all: parts };
}

function requester(onRequest: PredicateSpec, onResponse: PredicateSpec): PredicateSpec {
  return {
    any: [{ all: [{ 'sip.type': 'request' }, onRequest] }, { all: [{ 'sip.type': 'response' }, onResponse] }],
  };
}

export function scopeText(scope: TuningScope): string {
  return Object.entries(scope)
    .map(([k, v]) => `${k}=${(v as string[]).join(',')}`)
    .join(' ');
}

function suppressPredicate(s: SuppressEntry): PredicateSpec {
  const parts: PredicateSpec[] = [];
  if (s.source !== undefined) {
    parts.push(requester({ 'source.ip': { cidr: [s.source] } }, { 'destination.ip': { cidr: [s.source] } }));
  }
  if (s.destination !== undefined) {
    parts.push(requester({ 'destination.ip': { cidr: [s.destination] } }, { 'source.ip': { cidr: [s.destination] } }));
  }
  if (s.account !== undefined) {
    const is = { ci_equals: [s.account] };
    parts.push({
      any: [
        { 'dialog.account': is },
        { 'sip.auth.username': is },
        { 'txn.request_auth_username': is },
        { 'sip.from.user': is },
      ],
    });
  }
  if (s.number_prefix !== undefined) {
    const p = { ci_prefix: [s.number_prefix] };
    parts.push({ any: [{ 'num.callee.e164': p }, { 'num.caller.e164': p }] });
  }
  return { all: parts };
}

/** `where` ∧ every extra predicate, keeping the top-level keys (the engine reads `sip.type` there). */
function narrow(sig: Signature, extra: PredicateSpec[]): Signature {
  if (extra.length === 0) return sig;
  const where = sig.where ?? {};
  const all = Array.isArray(where.all) ? (where.all as PredicateSpec[]) : [];
  return { ...sig, where: { ...where, all: [...all, ...extra] } };
}

/** Overrides implied by account groups' `expected` for a `scales_with` signature. */
function expectedChanges(sig: Signature, groups: readonly AccountGroup[]): ScopedChange[] {
  const measure = sig.scales_with;
  if (measure === undefined || sig.threshold === undefined) return [];
  const out: ScopedChange[] = [];
  for (const g of groups) {
    const declared = g.expected?.[measure];
    if (declared === undefined) continue;
    // Alert only above what the group declares: its rate over the signature's window, or its concurrency.
    const normal =
      measure === 'concurrent_calls' ? declared : Math.ceil((declared * (sig.windowMs ?? 60_000)) / 60_000);
    const threshold = Math.max(sig.threshold, normal + 1);
    out.push({
      scope: { account_groups: [g.name] },
      disable: false,
      severity: undefined,
      values: { threshold },
      origin: `site: account_groups[${g.name}].expected.${measure}=${declared}`,
    });
  }
  return out;
}

function parameters(sig: Signature): Record<string, string | number> {
  const ms = (v: number | undefined): string | undefined => (v === undefined ? undefined : `${v / 1000}s`);
  const out: Record<string, string | number | undefined> = {
    threshold: sig.threshold,
    window: ms(sig.windowMs),
    suppress: ms(sig.suppressMs),
    timeout: ms(sig.timeoutMs),
    max_duration: sig.kind === 'concurrent' ? ms(sig.maxDurationMs ?? 4 * 3_600_000) : undefined,
    min_events: sig.min_events,
    learning: ms(sig.learningMs),
    min_samples: sig.min_samples,
    factor: sig.factor,
  };
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string | number] => e[1] !== undefined));
}

/**
 * The signatures the engine should run under this tuning and site, and what each runs with.
 * Throws SIPWARD_CONFIG_INVALID (every problem, `file:line: field: problem`) for unknown signature
 * ids and parameters a signature does not have.
 */
export function applyTuning(
  loaded: ReadonlyArray<LoadedSignature | Signature>,
  tuning: TuningConfig | undefined,
  site: SiteConfig | undefined,
): TunedSignatures {
  const signatures = loaded.map((e) => ('signature' in e ? e.signature : e));
  const byId = new Map(signatures.map((s) => [s.id, s]));
  const errors: string[] = [];
  const entries = tuning?.entries ?? [];
  for (const e of entries) {
    if (!byId.has(e.signature)) errors.push(`${e.signatureAt}: tuning.signature: unknown signature id ${e.signature}`);
  }
  for (const s of tuning?.suppress ?? []) {
    s.signatures.forEach((id, j) => {
      if (!byId.has(id)) errors.push(`${s.signatureAt[j] ?? s.origin}: suppress.signature: unknown signature id ${id}`);
    });
  }
  const changes = new Map<string, { global: TuningEntry[]; scoped: ScopedChange[] }>();
  for (const e of entries) {
    const sig = byId.get(e.signature);
    if (sig === undefined) continue;
    const values = readValues(e, sig, errors);
    const slot = changes.get(sig.id) ?? { global: [], scoped: [] };
    changes.set(sig.id, slot);
    if (e.scope === undefined) slot.global.push({ ...e, set: values });
    else {
      slot.scoped.push({
        scope: e.scope,
        disable: e.disable === true,
        severity: e.severity,
        values,
        origin: e.origin,
      });
    }
  }
  if (errors.length > 0) fail(errors);

  const out: Signature[] = [];
  const effective: EffectiveRow[] = [];
  for (const base of signatures) {
    const slot = changes.get(base.id) ?? { global: [], scoped: [] };
    let sig = base;
    let disabled = false;
    const origin = ['signature'];
    for (const g of slot.global) {
      disabled ||= g.disable === true;
      sig = withSeverity(withValues(sig, g.set as Record<string, number>), g.severity);
      origin.push(g.origin);
    }
    const suppressions = (tuning?.suppress ?? []).filter(
      (s) => s.signatures.length === 0 || s.signatures.includes(base.id),
    );
    const suppressedBy = suppressions.map((s) => s.origin);
    const notSuppressed: PredicateSpec[] =
      suppressions.length === 0 ? [] : [{ not: { any: suppressions.map(suppressPredicate) } }];
    const scoped = [...slot.scoped, ...expectedChanges(sig, site?.account_groups ?? [])];
    if (disabled) {
      effective.push({
        id: base.id,
        scope: 'all',
        enabled: false,
        severity: sig.severity,
        parameters: parameters(sig),
        suppressed_by: suppressedBy,
        origin,
      });
      continue;
    }
    const earlier: PredicateSpec[] = [];
    for (const change of scoped) {
      const inScope = scopePredicate(change.scope);
      const variant = withSeverity(withValues(sig, change.values), change.severity);
      const exclusive = earlier.length === 0 ? [] : [{ not: { any: [...earlier] } }];
      earlier.push(inScope);
      effective.push({
        id: base.id,
        scope: scopeText(change.scope),
        enabled: !change.disable,
        severity: variant.severity,
        parameters: parameters(variant),
        suppressed_by: suppressedBy,
        origin: [...origin, change.origin],
      });
      if (!change.disable) out.push(narrow(variant, [inScope, ...exclusive, ...notSuppressed]));
    }
    const rest = earlier.length === 0 ? [] : [{ not: { any: earlier } }];
    out.push(narrow(sig, [...rest, ...notSuppressed]));
    effective.push({
      id: base.id,
      scope: earlier.length === 0 ? 'all' : 'rest',
      enabled: true,
      severity: sig.severity,
      parameters: parameters(sig),
      suppressed_by: suppressedBy,
      origin,
    });
  }
  return { signatures: out, effective };
}

/** applyTuning for callers that keep where each signature came from (the analyzer daemon). */
export function tuneLoaded(
  loaded: readonly LoadedSignature[],
  tuning: TuningConfig | undefined,
  site: SiteConfig | undefined,
): LoadedSignature[] {
  const from = new Map(loaded.map((l) => [l.signature.id, l]));
  return applyTuning(loaded, tuning, site).signatures.map((signature) => {
    const origin = from.get(signature.id) as LoadedSignature;
    return { ...origin, signature };
  });
}
