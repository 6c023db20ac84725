//! `ratio`: numerator / denominator events per group within the window ≥ threshold, once at least
//! `min_events` denominator events were seen (error-response storms, 404-vs-401 differentials).
//! Counts are bucketed: exact to a tenth of the window (keyed-windows.ts BucketCounter).
import { EvidenceRing, MAX_TALLIED_BEFORE_CROSSING } from '../../alerts/evidence';
import { BucketCounter, KeyedWindows } from '../../state/keyed-windows';
import { countWindow, runnerOver, selects, type KindContext, type KindRunner } from './kind';

interface RatioState {
  lastMs: number;
  firstMs: number;
  numerator: BucketCounter;
  denominator: BucketCounter;
  evidence: EvidenceRing;
}

export function ratioKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const sig = compiled.signature;
  const { threshold, windowMs } = countWindow(compiled);
  const minEvents = sig.min_events ?? 1;
  const isNumerator = compiled.numerator;
  const isDenominator = compiled.denominator;
  if (isNumerator === undefined || isDenominator === undefined) {
    throw new Error(`${sig.id}: ratio without numerator/denominator`);
  }
  const groups = new KeyedWindows<RatioState>(maxGroups, windowMs);
  const create = (now: number): RatioState => ({
    lastMs: now,
    firstMs: now,
    numerator: new BucketCounter(windowMs),
    denominator: new BucketCounter(windowMs),
    evidence: new EvidenceRing(MAX_TALLIED_BEFORE_CROSSING),
  });
  return runnerOver(groups, {
    process(event, txn, now) {
      if (!selects(compiled, event, txn)) return;
      const num = isNumerator(event, txn);
      const den = isDenominator(event, txn);
      if (!num && !den) return;
      const key = compiled.groupKey(event, txn);
      if (key === undefined) return;
      const live = book.live(key);
      if (live !== undefined) {
        if (num) book.add(live, event, txn, now);
        return;
      }
      groups.expire(now);
      const state = groups.touch(key, now, create);
      if (den) state.denominator.add(now);
      if (!num) return;
      state.numerator.add(now);
      state.evidence.push(event, txn.txn);
      const d = state.denominator.total(now);
      const n = state.numerator.total(now);
      if (d >= minEvents && n / d >= threshold) {
        book.start(key, event, txn, now, n, Math.max(state.firstMs, now - windowMs), state.evidence.sample());
        groups.delete(key);
      }
    },
  });
}
