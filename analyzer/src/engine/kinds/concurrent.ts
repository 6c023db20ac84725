//! `concurrent`: items open at the same time per group (calls in progress per account or trunk).
//! An item opens on a `start` event and closes on its `end` event or after `max_duration`;
//! the group alerts when its open items reach the threshold. `sipward.count` is the peak.
import { EvidenceRing } from '../../alerts/evidence';
import { LruTable } from '../../state/lru-table';
import { firstValue } from '../compile/compile';
import { runnerOver, selectedGroup, type KindContext, type KindRunner } from './kind';

interface GroupItems {
  /** Item id → start time. Small per group: the threshold is a handful of calls. */
  open: Map<string, number>;
  evidence: EvidenceRing;
  lastMs: number;
}

/** Open items kept per group beyond the threshold: enough to count a peak, bounded against floods. */
const MAX_ITEMS_PER_GROUP = 10_000;

export function concurrentKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const sig = compiled.signature;
  const threshold = sig.threshold ?? 1;
  const maxDurationMs = sig.maxDurationMs ?? 4 * 3_600_000;
  const { start, end, item } = compiled;
  if (start === undefined || end === undefined || item === undefined) {
    throw new Error(`${sig.id}: concurrent without start/end/item`);
  }
  const groups = new LruTable<string, GroupItems>(maxGroups);

  const expireItems = (state: GroupItems, now: number): void => {
    for (const [id, startMs] of state.open) if (now - startMs >= maxDurationMs) state.open.delete(id);
  };

  return runnerOver(groups, {
    process(event, ctx, now) {
      const key = selectedGroup(compiled, event, ctx);
      if (key === undefined) return;
      const isStart = start(event, ctx);
      if (!isStart && !end(event, ctx)) return;
      const raw = firstValue(item, event, ctx);
      if (raw === undefined) return;
      const id = String(raw);
      let state = groups.get(key);
      if (!isStart) {
        if (state?.open.delete(id) === true && state.open.size === 0) groups.delete(key);
        return;
      }
      if (state === undefined) {
        state = { open: new Map(), evidence: new EvidenceRing(threshold), lastMs: now };
        groups.set(key, state);
      }
      expireItems(state, now);
      if (state.open.has(id) || state.open.size >= MAX_ITEMS_PER_GROUP) return;
      state.open.set(id, now);
      state.lastMs = now;
      state.evidence.push(event, ctx.txn);
      const size = state.open.size;
      if (size < threshold) return;
      const live = book.live(key);
      if (live === undefined) {
        let first = now;
        for (const t of state.open.values()) if (t < first) first = t;
        book.start(key, event, ctx, now, size, first, state.evidence.sample());
      } else if (size > live.count) {
        book.add(live, event, ctx, now, size - live.count);
      }
    },
  });
}
