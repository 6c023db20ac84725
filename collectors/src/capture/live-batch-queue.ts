//! The hand-off between a libpcap callback and the async consumer of a live capture: packets
//! pushed during one synchronous dispatch loop become one batch per event-loop tick; a bounded
//! count of queued packets protects memory when the consumer falls behind.
import type { RawPacket } from '../packet';
import type { RawPacketBatch } from './capture-stats';

export class LiveBatchQueue {
  private pending: RawPacket[] = [];
  private readonly batches: RawPacketBatch[] = [];
  private queued = 0;
  private flushScheduled: NodeJS.Immediate | null = null;
  private waiter: (() => void) | null = null;
  private ended = false;

  constructor(private readonly maxQueued: number) {}

  /** No room for another packet: the caller counts it as dropped. */
  get full(): boolean {
    return this.queued >= this.maxQueued;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(packet: RawPacket): void {
    this.pending.push(packet);
    this.queued++;
    // libpcap dispatches everything readable in one synchronous loop: one batch per tick.
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  /** No more packets: what is pending becomes the last batch. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.flushScheduled !== null) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    if (this.pending.length > 0) this.batches.push(this.pending);
    this.pending = [];
    this.wake();
  }

  /** Batches until end(); the caller's `finally` releases the capture. */
  async *drain(): AsyncGenerator<RawPacketBatch> {
    for (;;) {
      const batch = this.batches.shift();
      if (batch !== undefined) {
        this.queued -= batch.length;
        yield batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  private flush(): void {
    this.flushScheduled = null;
    if (this.pending.length === 0) return;
    this.batches.push(this.pending);
    this.pending = [];
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
