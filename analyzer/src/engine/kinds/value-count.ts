//! `value_count`: ≥ threshold distinct values of `field` per group within the window (enumeration,
//! spraying, sweeps). Each new distinct value after the crossing adds to the open incident.
import { EvidenceRing } from '../../alerts/evidence';
import { DistinctWindow, KeyedWindows } from '../../state/keyed-windows';
import { firstValue } from '../compile/compile';
import { countWindow, runnerOver, selects, type KindContext, type KindRunner } from './kind';

interface DistinctState {
  lastMs: number;
  firstMs: number;
  distinct: DistinctWindow;
  evidence: EvidenceRing;
}

export function valueCountKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const sig = compiled.signature;
  const { threshold, windowMs } = countWindow(compiled);
  const field = compiled.field;
  if (field === undefined) throw new Error(`${sig.id}: value_count without field`);
  const groups = new KeyedWindows<DistinctState>(maxGroups, windowMs);
  const create = (now: number): DistinctState => ({
    lastMs: now,
    firstMs: now,
    distinct: new DistinctWindow(threshold),
    evidence: new EvidenceRing(threshold),
  });
  return runnerOver(groups, {
    process(event, txn, now) {
      if (!selects(compiled, event, txn)) return;
      const raw = firstValue(field, event, txn);
      if (raw === undefined) return;
      const value = String(raw);
      const key = compiled.groupKey(event, txn);
      if (key === undefined) return;
      const live = book.live(key);
      if (live !== undefined) {
        book.addValue(live, value, event, txn, now);
        return;
      }
      groups.expire(now);
      const state = groups.touch(key, now, create);
      // Evidence is what grew the distinct set, not repeats of a value already counted.
      if (!state.distinct.has(value)) state.evidence.push(event, txn.txn);
      const size = state.distinct.add(value, now, windowMs);
      if (size >= threshold) {
        const incident = book.start(
          key,
          event,
          txn,
          now,
          size,
          state.distinct.oldestMs() ?? now,
          state.evidence.sample(),
        );
        incident.values = new Set(state.distinct.keys());
        groups.delete(key);
      }
    },
  });
}
