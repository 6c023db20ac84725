//! Sliding windows by event time, per group: exact "N events within W" rings, distinct-value
//! windows and bucketed counters, held in an LRU-bounded table whose idle groups expire.
import { LruTable } from './lru-table';

/**
 * The last `capacity` timestamps of a group. "≥ N events within W" holds exactly when the N-th most
 * recent timestamp is inside the window, so N slots suffice however long the flood lasts. A queue
 * (oldest at `head`, compacted in place) so a caller may also drop timestamps that left the window.
 */
export class TimestampRing {
  private readonly times: number[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.times.length - this.head;
  }

  push(t: number): void {
    this.times.push(t);
    if (this.times.length - this.head > this.capacity) this.head++;
    this.compact();
  }

  /** Oldest kept timestamp (the `capacity`-th most recent once full). */
  oldest(): number | undefined {
    return this.head < this.times.length ? this.times[this.head] : undefined;
  }

  /** True when `capacity` events are kept and all lie in (now − windowMs, now]. */
  fullWithin(now: number, windowMs: number): boolean {
    const oldest = this.oldest();
    return this.length >= this.capacity && oldest !== undefined && now - oldest < windowMs;
  }

  /** How many kept timestamps lie in (now − windowMs, now]. */
  countWithin(now: number, windowMs: number): number {
    let n = 0;
    for (let i = this.head; i < this.times.length; i++) if (now - (this.times[i] as number) < windowMs) n++;
    return n;
  }

  /** Drops the timestamps not in (now − windowMs, now]; returns how many went. */
  dropOutside(now: number, windowMs: number): number {
    const start = this.head;
    while (this.head < this.times.length && now - (this.times[this.head] as number) >= windowMs) this.head++;
    const dropped = this.head - start;
    if (dropped > 0) this.compact();
    return dropped;
  }

  clear(): void {
    this.times.length = 0;
    this.head = 0;
  }

  /** Moves the kept timestamps to the front once the dead front is the larger part (amortised O(1)). */
  private compact(): void {
    if (this.head === 0 || this.head * 2 < this.times.length) return;
    this.times.copyWithin(0, this.head);
    this.times.length -= this.head;
    this.head = 0;
  }
}

/**
 * Distinct values seen in the window, least recently seen first. Capped at `capacity` (the
 * threshold): once that many distinct values are inside the window "≥ threshold?" is answered.
 * On an LruTable, not a bare Map: front deletions on a Map leave holes that every later iteration
 * walks (measured: 3× slower SIP-DOS-01 over a 200k-event capture).
 */
export class DistinctWindow {
  private readonly lastSeen: LruTable<string, number>;

  constructor(capacity: number) {
    this.lastSeen = new LruTable<string, number>(Math.max(1, capacity));
  }

  /** Records `value` at `t`; returns the distinct count inside (t − windowMs, t]. */
  add(value: string, t: number, windowMs: number): number {
    const lastSeen = this.lastSeen;
    lastSeen.set(value, t);
    // A loop rather than dropWhile: its predicate would be a closure allocated per event.
    for (let seen = lastSeen.oldestValue(); seen !== undefined && t - seen >= windowMs; seen = lastSeen.oldestValue())
      lastSeen.dropOldest();
    return lastSeen.size;
  }

  get size(): number {
    return this.lastSeen.size;
  }

  has(value: string): boolean {
    return this.lastSeen.has(value);
  }

  keys(): string[] {
    return [...this.lastSeen.entries()].map(([key]) => key);
  }

  /** When the least recently seen value still in the window was seen. */
  oldestMs(): number | undefined {
    return this.lastSeen.oldestValue();
  }

  clear(): void {
    this.lastSeen.clear();
  }
}

/**
 * Counts in `buckets` slices of the window (ratio needs totals, not just "≥ N"): the answer is exact
 * to one slice, i.e. 1/buckets of the window. Slices are aligned to event-time multiples of the
 * slice width so replaying the same events yields the same counts.
 */
export class BucketCounter {
  private readonly counts: Float64Array;
  private readonly epochs: Float64Array;
  private readonly sliceMs: number;

  constructor(
    windowMs: number,
    private readonly buckets = 10,
  ) {
    this.sliceMs = Math.max(1, windowMs / buckets);
    this.counts = new Float64Array(buckets);
    this.epochs = new Float64Array(buckets).fill(-1);
  }

  add(t: number, n = 1): void {
    const epoch = Math.floor(t / this.sliceMs);
    const slot = epoch % this.buckets;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + n;
  }

  total(now: number): number {
    const current = Math.floor(now / this.sliceMs);
    let sum = 0;
    for (let i = 0; i < this.buckets; i++) {
      const epoch = this.epochs[i] ?? -1;
      if (epoch > current - this.buckets && epoch <= current) sum += this.counts[i] ?? 0;
    }
    return sum;
  }
}

/** Per-group state carries the event time it was last touched, for idle expiry. */
export interface GroupState {
  lastMs: number;
}

/**
 * Group key → state, bounded by `maxGroups` with LRU eviction. Groups idle for longer than
 * `idleMs` (the signature's window) hold nothing that can still count, so they are dropped.
 */
export class KeyedWindows<S extends GroupState> {
  private readonly table: LruTable<string, S>;

  constructor(
    maxGroups: number,
    private readonly idleMs: number,
  ) {
    this.table = new LruTable<string, S>(maxGroups);
  }

  get size(): number {
    return this.table.size;
  }

  get evictions(): number {
    return this.table.evictions;
  }

  /**
   * The group's state, created by `create(now)` when absent; touched (LRU) and stamped with `now`.
   * `create` gets `now` so callers pass one function, not a closure allocated per event.
   */
  touch(key: string, now: number, create: (now: number) => S): S {
    let state = this.table.get(key);
    if (state === undefined) {
      state = create(now);
      this.table.set(key, state);
    }
    if (now > state.lastMs) state.lastMs = now;
    return state;
  }

  peek(key: string): S | undefined {
    return this.table.peek(key);
  }

  delete(key: string): void {
    this.table.delete(key);
  }

  /** Drops up to `limit` least-recently-touched groups idle since before now − idleMs. */
  expire(now: number, limit = 4): number {
    // Called per event by every windowed kind: a loop, not dropWhile with a closure per call.
    const table = this.table;
    let dropped = 0;
    for (let s = table.oldestValue(); s !== undefined && dropped < limit && now - s.lastMs >= this.idleMs;) {
      table.dropOldest();
      dropped++;
      s = table.oldestValue();
    }
    return dropped;
  }
}
