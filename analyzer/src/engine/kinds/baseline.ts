//! `baseline`: each group (an account, a peer, an AOR) first learns what is normal for it, then
//! alerts on what departs from it (signatures/README.md "Kinds"). A group learns for `learning`
//! of event time from its first matching event and at least `min_samples` events; only then does
//! it judge. Every `where` event ages the group and is a sample; only those also matching `judge`
//! (default: all) are counted or have their value learned and judged. Two modes:
//!   new_value — a value of `field` the group never showed (IPv4 compared by /`ip_prefix`, IPv6
//!               by /48 when `ip_prefix` is set); the new value is learned once it has alerted.
//!   rate      — matching events per `window` above `factor` × the busiest window learned
//!               (and at least `threshold`).
//! What the groups learned survives restarts: `snapshot()` / `restore()` (analyze --state FILE).
import { NO_SAMPLE } from '../../alerts/evidence';
import { LruTable } from '../../state/lru-table';
import { firstValue } from '../compile/compile';
import { runnerOver, selects, type KindContext, type KindRunner } from './kind';

/** Values remembered per group; past it the oldest-learned is forgotten. */
const MAX_VALUES = 256;

interface Learned {
  firstMs: number;
  samples: number;
  values: string[];
  /** rate: start and count of the current window, and the busiest window while learning. */
  windowStartMs: number;
  windowCount: number;
  peak: number;
}

interface Snapshot {
  version: 1;
  groups: Array<[string, Learned]>;
}

function network(value: string, prefix: number | undefined): string {
  if (prefix === undefined) return value;
  if (value.includes(':')) {
    // /48: the first three hextets of the expanded address.
    const [head = '', tail = ''] = value.toLowerCase().split('::');
    const parts = head === '' ? [] : head.split(':');
    const rest = tail === '' ? [] : tail.split(':');
    const full = [...parts, ...Array<string>(Math.max(0, 8 - parts.length - rest.length)).fill('0'), ...rest];
    return `${full.slice(0, 3).join(':')}::/48`;
  }
  const octets = value.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return value;
  const n =
    ((octets[0] ?? 0) * 2 ** 24 + (octets[1] ?? 0) * 2 ** 16 + (octets[2] ?? 0) * 2 ** 8 + (octets[3] ?? 0)) >>> 0;
  const masked = prefix <= 0 ? 0 : (n & ~(2 ** (32 - prefix) - 1)) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.')}/${prefix}`;
}

export function baselineKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const sig = compiled.signature;
  const mode = sig.baseline ?? 'new_value';
  const learningMs = sig.learningMs ?? 7 * 86_400_000;
  const minSamples = sig.min_samples ?? 1;
  const windowMs = sig.windowMs ?? 60_000;
  const factor = sig.factor ?? 3;
  const floor = sig.threshold ?? 1;
  const field = compiled.field;
  if (mode === 'new_value' && field === undefined) throw new Error(`${sig.id}: baseline new_value without field`);
  const groups = new LruTable<string, Learned>(maxGroups);
  const learning = (g: Learned, now: number): boolean => now - g.firstMs < learningMs || g.samples < minSamples;

  function newValue(
    g: Learned,
    value: string,
    key: string,
    event: Parameters<KindRunner['process']>[0],
    txn: Parameters<KindRunner['process']>[1],
    now: number,
  ): void {
    const known = g.values.includes(value);
    if (!known) {
      if (g.values.length >= MAX_VALUES) g.values.shift();
      g.values.push(value);
    }
    if (known || learning(g, now)) return;
    const live = book.live(key);
    if (live !== undefined) book.add(live, event, txn, now);
    else book.start(key, event, txn, now, 1, now, NO_SAMPLE);
  }

  function rate(
    g: Learned,
    key: string,
    event: Parameters<KindRunner['process']>[0],
    txn: Parameters<KindRunner['process']>[1],
    now: number,
  ): void {
    if (now - g.windowStartMs >= windowMs) {
      g.windowStartMs = now;
      g.windowCount = 0;
    }
    g.windowCount++;
    if (learning(g, now)) {
      g.peak = Math.max(g.peak, g.windowCount);
      return;
    }
    const live = book.live(key);
    if (live !== undefined) {
      book.add(live, event, txn, now);
      return;
    }
    if (g.windowCount >= Math.max(floor, Math.ceil(factor * g.peak))) {
      book.start(key, event, txn, now, g.windowCount, g.windowStartMs, NO_SAMPLE);
    }
  }

  return runnerOver(groups, {
    process(event, txn, now) {
      if (!selects(compiled, event, txn)) return;
      const key = compiled.groupKey(event, txn);
      if (key === undefined) return;
      let g = groups.get(key);
      if (g === undefined) {
        g = { firstMs: now, samples: 0, values: [], windowStartMs: now, windowCount: 0, peak: 0 };
        groups.set(key, g);
      }
      // Every selected event ages the group; only judged ones are counted or have their value read.
      g.samples++;
      if (compiled.judge !== undefined && !compiled.judge(event, txn)) return;
      let value: string | undefined;
      if (field !== undefined) {
        const raw = firstValue(field, event, txn);
        if (raw === undefined) return;
        value = network(String(raw), sig.ip_prefix);
      }
      if (mode === 'rate') rate(g, key, event, txn, now);
      else if (value !== undefined) newValue(g, value, key, event, txn, now);
    },
    snapshot(): Snapshot {
      return { version: 1, groups: [...groups.entries()] };
    },
    restore(state: unknown) {
      const s = state as Partial<Snapshot> | null;
      if (s?.version !== 1 || !Array.isArray(s.groups)) throw new Error(`${sig.id}: unreadable baseline state`);
      for (const [key, g] of s.groups) groups.set(key, g);
    },
  });
}
