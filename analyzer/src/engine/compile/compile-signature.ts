//! A loaded signature → its compiled form: predicates, group-key getters and the message template,
//! built once. Kinds and alert building read only this.
import type { SipEvent } from '../../../../schema/src/sip-event';
import type { Enrichment } from '../enrich/enrichment';
import {
  compileAllowlist,
  compilePredicate,
  compileTemplate,
  fieldPath,
  firstValue,
  type FieldPath,
  type Predicate,
  type Template,
} from './compile';
import type { Severity } from '../../../../schema/src/alert';
import type { Signature } from '../signature';
import { withoutGateKeys } from './dispatch';

export interface CompiledStep {
  where: Predicate;
  minCount: number;
}

export interface CompiledEscalation {
  severity: Severity;
  reason: string;
  when: Predicate;
  /** The incident group an escalating event names (undefined when a field is absent). */
  groupKey(event: SipEvent, txn: Enrichment): string | undefined;
}

export interface CompiledSignature {
  readonly signature: Signature;
  /** `where` (always true when the signature has none). */
  readonly where: Predicate;
  /**
   * `where` less its gate (dispatch.ts GATE_KEYS): what is left to test of a message the dispatch
   * admitted. Every kind sees only such messages (the engine's and the router's dispatch).
   */
  readonly whereAfterGate: Predicate;
  readonly allow: Predicate | undefined;
  /** Floods and counts skip retransmissions unless the signature opts in (`count_retransmissions`). */
  readonly countRetransmissions: boolean;
  readonly groupPaths: readonly FieldPath[];
  readonly message: Template;
  readonly field: FieldPath | undefined;
  readonly numerator: Predicate | undefined;
  readonly denominator: Predicate | undefined;
  readonly steps: readonly CompiledStep[];
  /** baseline: the events judged (undefined: every selected event) */
  readonly judge: Predicate | undefined;
  /** concurrent */
  readonly start: Predicate | undefined;
  readonly end: Predicate | undefined;
  readonly item: FieldPath | undefined;
  /** Which `sip.type`s can matter (from a top-level `where: { sip.type: … }`); half_open needs both. */
  readonly types: ReadonlySet<'request' | 'response'>;
  readonly escalations: readonly CompiledEscalation[];
  /** Group key of an event, or undefined when a group_by field is absent (the event is skipped). */
  groupKey(event: SipEvent, txn: Enrichment): string | undefined;
  /** The group_by values of an event, as strings, in group_by order. */
  groupValues(event: SipEvent, txn: Enrichment): string[];
}

const ALWAYS: Predicate = () => true;
/** Separates group values in keys; cannot occur in SIP header values we carry. */
const KEY_SEPARATOR = '\u001f';

/** Group key over `paths`: one value as is, several joined by KEY_SEPARATOR; undefined if one is absent. */
function keyGetter(paths: readonly FieldPath[]): (event: SipEvent, txn: Enrichment) => string | undefined {
  const single = paths.length === 1 ? paths[0] : undefined;
  return (event, txn) => {
    if (single !== undefined) {
      const v = firstValue(single, event, txn);
      return v === undefined ? undefined : String(v);
    }
    let key = '';
    for (let i = 0; i < paths.length; i++) {
      const v = firstValue(paths[i] as FieldPath, event, txn);
      if (v === undefined) return undefined;
      key = i === 0 ? String(v) : key + KEY_SEPARATOR + String(v);
    }
    return key;
  };
}

export function compileSignature(signature: Signature): CompiledSignature {
  const where = signature.where === undefined ? ALWAYS : compilePredicate(signature.where, ['where']);
  const rest = signature.where === undefined ? {} : withoutGateKeys(signature.where);
  const whereAfterGate = Object.keys(rest).length === 0 ? ALWAYS : compilePredicate(rest, ['where']);
  const allow = signature.allowlist === undefined ? undefined : compileAllowlist(signature.allowlist, ['allowlist']);
  const groupPaths = signature.group_by.map(fieldPath);
  const declared = signature.where?.['sip.type'];
  const declaredTypes = (Array.isArray(declared) ? declared : [declared]).filter(
    (t): t is 'request' | 'response' => t === 'request' || t === 'response',
  );
  const types = new Set<'request' | 'response'>(
    signature.kind === 'half_open' || declaredTypes.length === 0 ? ['request', 'response'] : declaredTypes,
  );
  return {
    signature,
    types,
    where,
    whereAfterGate,
    allow,
    countRetransmissions: signature.count_retransmissions === true,
    groupPaths,
    message: compileTemplate(signature.message),
    field: signature.field === undefined ? undefined : fieldPath(signature.field),
    numerator: signature.numerator === undefined ? undefined : compilePredicate(signature.numerator, ['numerator']),
    denominator:
      signature.denominator === undefined ? undefined : compilePredicate(signature.denominator, ['denominator']),
    steps: (signature.steps ?? []).map((step, i) => ({
      where: compilePredicate(step.where, ['steps', i, 'where']),
      minCount: step.min_count,
    })),
    judge: signature.judge === undefined ? undefined : compilePredicate(signature.judge, ['judge']),
    start: signature.start === undefined ? undefined : compilePredicate(signature.start, ['start']),
    end: signature.end === undefined ? undefined : compilePredicate(signature.end, ['end']),
    item: signature.item === undefined ? undefined : fieldPath(signature.item),
    groupKey: keyGetter(groupPaths),
    escalations: (signature.escalate ?? []).map((e, i) => ({
      severity: e.severity,
      reason: e.reason,
      when: compilePredicate(e.when, ['escalate', i, 'when']),
      groupKey: keyGetter((e.group_by ?? signature.group_by).map(fieldPath)),
    })),
    groupValues(event, txn) {
      return groupPaths.map((path) => String(firstValue(path, event, txn) ?? ''));
    },
  };
}
