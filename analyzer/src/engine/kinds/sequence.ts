//! `sequence`: ordered steps per group within the window, each step needing `min_count` matching
//! events after the previous step completed — e.g. ≥ 5 digest failures then a 200 OK (SIP-AUTH-03).
//! The window runs from the first counted event of step 0 to the completing event of the last step.
import { EvidenceRing, MAX_TALLIED_BEFORE_CROSSING } from '../../alerts/evidence';
import { KeyedWindows, TimestampRing } from '../../state/keyed-windows';
import { countWindow, runnerOver, selectedGroup, type KindContext, type KindRunner } from './kind';

interface SequenceState {
  lastMs: number;
  /** Index of the step being accumulated; the ones before it are complete. */
  stage: number;
  /** Per step: its last `min_count` event times. */
  rings: TimestampRing[];
  /** Events counted toward the sequence (the incident's opening count). */
  counted: number;
  evidence: EvidenceRing;
}

export function sequenceKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const sig = compiled.signature;
  const steps = compiled.steps;
  const last = steps.length - 1;
  const { windowMs } = countWindow(compiled);
  if (last < 0) throw new Error(`${sig.id}: sequence without steps`);
  const groups = new KeyedWindows<SequenceState>(maxGroups, windowMs);
  const create = (): SequenceState => ({
    lastMs: 0,
    stage: 0,
    rings: steps.map((step) => new TimestampRing(step.minCount)),
    counted: 0,
    evidence: new EvidenceRing(MAX_TALLIED_BEFORE_CROSSING),
  });
  const first = (steps[0] as (typeof steps)[number]).where;
  return runnerOver(groups, {
    process(event, txn, now) {
      // Nothing tracked and no incident open: only a step-0 event can change anything (below), so
      // the rest (group key, lookups) is skipped for the others — SIP-CRY-01 sees every message.
      if (groups.size === 0 && book.size === 0 && !first(event, txn)) return;
      const key = selectedGroup(compiled, event, txn);
      if (key === undefined) return;
      const live = book.live(key);
      if (live !== undefined) {
        if ((steps[last] as (typeof steps)[number]).where(event, txn)) book.add(live, event, txn, now);
        return;
      }
      // Cheap reject before touching state: most events match no step.
      let matched = -1;
      for (let j = last; j >= 0; j--) {
        if ((steps[j] as (typeof steps)[number]).where(event, txn)) {
          matched = j;
          break;
        }
      }
      if (matched < 0) return;
      const existing = groups.peek(key);
      if (existing === undefined && !(steps[0] as (typeof steps)[number]).where(event, txn)) return;
      groups.expire(now);
      const state = groups.touch(key, now, create);
      const start = state.rings[0]?.oldest();
      if (state.stage > 0 && start !== undefined && now - start >= windowMs) {
        // The sequence ran out of time: keep step-0 history (it may still be recent), drop the rest.
        state.stage = 0;
        for (let j = 1; j <= last; j++) state.rings[j]?.clear();
      }
      // The highest step the event may feed: the current one or an already completed one.
      let step = -1;
      for (let j = Math.min(state.stage, last); j >= 0; j--) {
        if ((steps[j] as (typeof steps)[number]).where(event, txn)) {
          step = j;
          break;
        }
      }
      if (step < 0) return;
      const ring = state.rings[step] as TimestampRing;
      ring.push(now);
      state.counted++;
      state.evidence.push(event, txn.txn);
      if (step === state.stage && ring.fullWithin(now, windowMs)) state.stage++;
      if (state.stage > last) {
        const first = state.rings[0]?.oldest() ?? now;
        if (now - first < windowMs) {
          book.start(key, event, txn, now, state.counted, first, state.evidence.sample());
          groups.delete(key);
        } else state.stage = last;
      }
    },
  });
}
