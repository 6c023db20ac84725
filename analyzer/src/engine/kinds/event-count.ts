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
      // A timestamp out of the window is never part of a crossing (the last `threshold` events must
      // all lie inside it), so it and its facts go: a slow group holds what its window holds, not
      // `threshold` events (SIP-DOS-03's 48 per phone were 29 MiB at 250k realistic messages).
      if (state.ring.dropOutside(now, windowMs) > 0) state.evidence.keepNewest(state.ring.length);
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
