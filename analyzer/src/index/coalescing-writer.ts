//! Coalesces the analyzer's Elasticsearch writes: alert versions and call records from every
//! task go into one queue, and one bulk request at a time carries everything queued (the newest
//! version of each id only). While a bulk is in flight the next one fills up, so under load bulks
//! grow instead of round trips multiplying, and an alert updated many times between two bulks is
//! written once. One request in flight keeps versions in order: an older version of an alert can
//! never be acknowledged after a newer one.
import type { IndexDoc, WriteResult } from './elastic-indexer';

/** The part of ElasticIndexer the writer uses (a fake in unit tests). */
export interface BulkWriter {
  write(docs: readonly IndexDoc[]): Promise<WriteResult>;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface CoalescingWriterStats {
  /** Bulk requests made (each may be split further by the indexer's size limits). */
  bulks: number;
  /** Documents handed in / actually sent (the difference: versions superseded while queued). */
  submitted: number;
  sent: number;
  /** Largest number of documents in one bulk. */
  largest_bulk: number;
  queued: number;
}

export class CoalescingWriter {
  private queue = new Map<string, IndexDoc>();
  private waiters: Waiter[] = [];
  private inFlight: Promise<void> | undefined;
  readonly stats: CoalescingWriterStats = { bulks: 0, submitted: 0, sent: 0, largest_bulk: 0, queued: 0 };

  constructor(
    private readonly indexer: BulkWriter,
    /** Called with each bulk's result before its writers resolve (dead-lettering of rejected docs). */
    private readonly onResult: (result: WriteResult, docs: readonly IndexDoc[]) => Promise<void>,
  ) {}

  /** Resolves once a bulk carrying these documents (or newer versions of them) is acknowledged. */
  write(docs: readonly IndexDoc[]): Promise<void> {
    if (docs.length === 0) return Promise.resolve();
    for (const d of docs) {
      const key = `${d.target}\u0000${d.id}`;
      // Re-inserted at the end: the queue keeps the order of each id's newest version.
      this.queue.delete(key);
      this.queue.set(key, d);
    }
    this.stats.submitted += docs.length;
    this.stats.queued = this.queue.size;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.inFlight === undefined) this.inFlight = this.drain();
    return done;
  }

  /** Writes bulks until the queue is empty; each bulk settles the writers whose documents it carried. */
  private async drain(): Promise<void> {
    while (this.queue.size > 0) {
      const docs = [...this.queue.values()];
      const waiters = this.waiters;
      this.queue = new Map();
      this.waiters = [];
      this.stats.queued = 0;
      this.stats.bulks++;
      this.stats.sent += docs.length;
      if (docs.length > this.stats.largest_bulk) this.stats.largest_bulk = docs.length;
      try {
        const result = await this.indexer.write(docs);
        await this.onResult(result, docs);
        for (const w of waiters) w.resolve();
      } catch (error) {
        // Only a closing indexer throws: the writers keep their outputs and are not committed.
        for (const w of waiters) w.reject(error);
      }
    }
    this.inFlight = undefined;
  }
}
