//! Puts events re-keyed from several upstream partitions back into event-time order. Each
//! upstream partition reports how far its stream has got (a tick: event time, idle or not); the
//! low watermark is the slowest active partition, and only events older than it are released, so
//! a group sees its events in the order the single-process engine would, whichever analyzer
//! instance enriched them and however fast. Ties break on (upstream partition, offset): stable.

export interface Ordered {
  /** Event time, ms. */
  t: number;
  /** Upstream partition and offset. */
  p: number;
  o: number;
}

export interface UpstreamTick {
  p: number;
  /** Event time the partition's stream has reached (ms), minus the allowed lateness. */
  t: number;
  /** Caught up and quiet: it does not hold the watermark back. */
  idle: boolean;
}

function before(a: Ordered, b: Ordered): boolean {
  if (a.t !== b.t) return a.t < b.t;
  if (a.p !== b.p) return a.p < b.p;
  return a.o < b.o;
}

/** A binary min-heap on (t, p, o). */
class MinHeap<T extends Ordered> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  // Sift by moving the hole, not by swapping: a destructuring swap allocated an array per step
  // (~300 MB of garbage over the realistic 200k bench capture).
  push(item: T): void {
    const a = this.items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = a[parent] as T;
      if (!before(item, above)) break;
      a[i] = above;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    const n = a.length;
    if (n > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let m = l;
        let child = a[l] as T;
        if (r < n && before(a[r] as T, child)) {
          m = r;
          child = a[r] as T;
        }
        if (!before(child, last)) break;
        a[i] = child;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

export interface Release<T> {
  /** In (t, p, o) order. */
  items: T[];
  /** Time the engine may advance to after processing `items` (timeouts, suppress ends). */
  advanceTo: number | undefined;
}

export class ReorderBuffer<T extends Ordered> {
  private readonly heap = new MinHeap<T>();
  private readonly ticks = new Map<number, UpstreamTick>();
  /** Events that arrived below the released watermark (an upstream partition broke its promise). */
  late = 0;
  private released = -Infinity;

  /** @param upstreamPartitions how many partitions feed this one (all must report before anything is released). */
  constructor(private upstreamPartitions: number) {}

  setUpstreamPartitions(n: number): void {
    this.upstreamPartitions = n;
  }

  get size(): number {
    return this.heap.size;
  }

  push(item: T): void {
    if (item.t < this.released) this.late++;
    this.heap.push(item);
  }

  tick(tick: UpstreamTick): void {
    this.ticks.set(tick.p, tick);
  }

  /** The low watermark: +Infinity when every upstream partition is idle, -Infinity until all reported. */
  watermark(): { low: number; allIdle: boolean; maxT: number } {
    let low = Infinity;
    let maxT = -Infinity;
    let reported = 0;
    for (const tick of this.ticks.values()) {
      if (tick.p >= this.upstreamPartitions) continue;
      reported++;
      if (tick.t > maxT) maxT = tick.t;
      if (!tick.idle && tick.t < low) low = tick.t;
    }
    if (reported < this.upstreamPartitions) return { low: -Infinity, allIdle: false, maxT };
    return { low, allIdle: low === Infinity, maxT };
  }

  /**
   * Everything strictly older than the low watermark (all of it when every upstream is idle).
   * Strictly: an event at exactly the watermark may still have a sibling on its way.
   */
  release(): Release<T> {
    const { low, allIdle, maxT } = this.watermark();
    const items: T[] = [];
    for (let top = this.heap.peek(); top !== undefined && (allIdle || top.t < low); top = this.heap.peek()) {
      items.push(this.heap.pop() as T);
    }
    let advanceTo: number | undefined;
    if (allIdle) {
      const last = items.length > 0 ? (items[items.length - 1] as T).t : -Infinity;
      advanceTo = Math.max(maxT, last);
    } else if (low !== -Infinity) advanceTo = low;
    if (advanceTo !== undefined && advanceTo !== -Infinity && advanceTo > this.released) this.released = advanceTo;
    return { items, advanceTo: advanceTo === -Infinity ? undefined : advanceTo };
  }
}
