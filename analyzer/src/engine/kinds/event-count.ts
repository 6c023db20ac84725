//! `event_count`: ≥ threshold matching events per group within the window (floods, brute force).
import { EvidenceRing } from '../../alerts/evidence';
import { KeyedWindows, TimestampRing } from '../../state/keyed-windows';
import { countWindow, runnerOver, selectedGroup, type KindContext, type KindRunner } from './kind';

interface CountState {
  lastMs: number;
  ring: TimestampRing;
  evidence: EvidenceRing;
}

export function eventCountKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const { threshold, windowMs } = countWindow(compiled);
  const groups = new KeyedWindows<CountState>(maxGroups, windowMs);
  const create = (): CountState => ({
    lastMs: 0,
    ring: new TimestampRing(threshold),
    evidence: new EvidenceRing(threshold),
  });
  return runnerOver(groups, {
    process(event, txn, now) {
      const key = selectedGroup(compiled, event, txn);
      if (key === undefined) return;
      const live = book.live(key);
      if (live !== undefined) {
        book.add(live, event, txn, now);
        return;
      }
      groups.expire(now);
      const state = groups.touch(key, now, create);
      state.ring.push(now);
      state.evidence.push(event, txn.txn);
      if (state.ring.fullWithin(now, windowMs)) {
        book.start(key, event, txn, now, threshold, state.ring.oldest() ?? now, state.evidence.sample());
        // Counting restarts after the incident: its suppress period covers everything until then.
        groups.delete(key);
      }
    },
  });
}
