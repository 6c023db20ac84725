//! The signature as loaded from `signatures/<family>/<id>/signature.yaml` (format: signatures/README.md),
//! before compilation. Durations are already milliseconds and named lists already inlined.
import type { Severity } from '../../../schema/src/alert';

export type SignatureKind =
  'stateless' | 'event_count' | 'value_count' | 'ratio' | 'sequence' | 'half_open' | 'concurrent' | 'baseline';
/** A predicate as written: `field → matcher`, plus the `any` / `not` combinators (README "Predicates"). */
export type PredicateSpec = { [field: string]: unknown };

export interface SequenceStep {
  where: PredicateSpec;
  min_count: number;
}

/**
 * Evidence that raises an open incident's severity (signatures/README.md "Escalation"): an event
 * matching `when` whose `group_by` values equal the incident's group (default: the signature's).
 */
export interface Escalation {
  severity: Severity;
  when: PredicateSpec;
  group_by?: string[];
  reason: string;
}

export interface Signature {
  id: string;
  name: string;
  version: number;
  status: 'experimental' | 'stable' | 'deprecated';
  fs38_theme: string[];
  category: string;
  event_category: string[];
  action?: string;
  severity: Severity;
  risk_score?: number;
  attack?: { tactics?: string[]; techniques?: string[] };
  description?: string;
  false_positives?: string[];
  references?: string[];
  kind: SignatureKind;
  where?: PredicateSpec;
  group_by: string[];
  windowMs?: number;
  threshold?: number;
  suppressMs: number;
  allowlist?: PredicateSpec;
  message: string;
  /** Count retransmitted requests/responses too (default false: floods must not count resends). */
  count_retransmissions?: boolean;
  /** value_count */
  field?: string;
  /** ratio */
  numerator?: PredicateSpec;
  denominator?: PredicateSpec;
  min_events?: number;
  /** sequence */
  steps?: SequenceStep[];
  /** half_open */
  timeoutMs?: number;
  /** concurrent: an item opens on `start`, closes on `end` (same `item` value) or after maxDurationMs */
  start?: PredicateSpec;
  end?: PredicateSpec;
  item?: string;
  maxDurationMs?: number;
  /** Later evidence that raises an incident's severity. */
  escalate?: Escalation[];
  /** The threshold grows with what an account group declares it does normally (`expected`). */
  scales_with?: 'calls_per_minute' | 'concurrent_calls';
  /** baseline: what departs from the learned normal (`new_value` of `field`, or `rate`). */
  baseline?: 'new_value' | 'rate';
  learningMs?: number;
  /** baseline: which `where` events are judged (counted / their value learned); all of them teach the group its age. */
  judge?: PredicateSpec;
  min_samples?: number;
  /** baseline new_value: compare IPv4 values by this prefix (IPv6 by /48). */
  ip_prefix?: number;
  /** baseline rate: alert above factor × the busiest learned window. */
  factor?: number;
  /** Needs site knowledge (`--config` with `site:`); skipped with a warning without it. */
  requires_site?: boolean;
}

export interface ExpectEntry {
  fixture: string;
  alerts: number;
  match?: Record<string, unknown>;
  /** `none`: run this fixture without the fixture world's site knowledge. */
  site?: 'none';
}

/** A signature with where it came from: what `rules test` and error messages need. */
export interface LoadedSignature {
  signature: Signature;
  /** Absolute path of the signature.yaml. */
  file: string;
  /** The signature's folder (fixtures are relative to it). */
  dir: string;
  /** Parsed expect.yaml, or undefined when the folder has none. */
  expect?: ExpectEntry[];
}
