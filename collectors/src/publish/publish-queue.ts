//! The collector's bounded publish queue between decoding and the Kafka sender: live input drops
//! the newest items when it is full (capture never waits for the broker), file input waits for
//! space instead. Items leave the queue only when the sender says the broker acknowledged them.

/** Why an event never reached the broker; counted per reason in the collector summary. */
export type DropReason = 'queue_full' | 'rejected_by_broker' | 'shutdown';

export class PublishQueue<T> {
  private items: T[] = [];
  /** Index of the first live item: acks advance it; the array is compacted now and then. */
  private head = 0;
  private highWater = 0;
  private spaceWaiters: (() => void)[] = [];
  private itemWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** The largest length seen. */
  get maxLength(): number {
    return this.highWater;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Live input: adds `item` unless the queue is full (then the caller counts a drop). */
  offer(item: T): boolean {
    if (this.full) return false;
    this.add(item);
    return true;
  }

  /**
   * File input: always adds. The queue may then exceed its capacity by the events of one capture
   * batch; `waitForSpace` after the batch brings it back under the bound.
   */
  add(item: T): void {
    this.items.push(item);
    if (this.length > this.highWater) this.highWater = this.length;
    this.wake('items');
  }

  /** Up to `n` items from the head, left in the queue (the sender's batch until it is acked). */
  peek(n: number): T[] {
    return this.items.slice(this.head, this.head + Math.min(n, this.length));
  }

  /** Removes `n` items from the head: the broker acknowledged them (or they are given up). */
  remove(n: number): void {
    this.head += Math.min(n, this.length);
    // Compact once the dead prefix dominates, so memory follows the live length (amortised O(1)).
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.length < this.capacity) this.wake('space');
  }

  /** Removes and returns everything still queued. */
  clear(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.wake('space');
    return rest;
  }

  /** Resolves once the queue is below its capacity (at once when it already is). */
  waitForSpace(): Promise<void> {
    if (this.length < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Resolves once the queue holds an item (at once when it already does). */
  waitForItems(): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.itemWaiters.push(resolve));
  }

  /** Wakes every waiter whatever the state (shutdown: waiters re-check their own exit condition). */
  wakeAll(): void {
    this.wake('space');
    this.wake('items');
  }

  private wake(which: 'space' | 'items'): void {
    const waiters = which === 'space' ? this.spaceWaiters : this.itemWaiters;
    if (waiters.length === 0) return;
    if (which === 'space') this.spaceWaiters = [];
    else this.itemWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Per-reason drop counts and when to warn about them: the first drop, then at most every interval. */
export class DropCounter {
  readonly byReason: Partial<Record<DropReason, number>> = {};
  total = 0;
  private lastWarnAt: number | undefined;
  private droppedSinceWarn = 0;

  constructor(private readonly warnIntervalMs = 10_000) {}

  /**
   * Counts `n` drops; returns the numbers to log when a warning is due now (first drop ever, or
   * the interval has passed since the last warning), undefined otherwise.
   */
  count(
    reason: DropReason,
    n: number,
    nowMs: number,
  ): { since_last_warning: number; total: number; by_reason: Partial<Record<DropReason, number>> } | undefined {
    if (n <= 0) return undefined;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + n;
    this.total += n;
    this.droppedSinceWarn += n;
    if (this.lastWarnAt !== undefined && nowMs - this.lastWarnAt < this.warnIntervalMs) return undefined;
    this.lastWarnAt = nowMs;
    const report = { since_last_warning: this.droppedSinceWarn, total: this.total, by_reason: { ...this.byReason } };
    this.droppedSinceWarn = 0;
    return report;
  }
}
