//! A growable FIFO of bytes for one stream direction: append at the tail, consume at the head,
//! compact lazily so a long-lived SIP connection does not copy its whole history.

const EMPTY = Buffer.alloc(0);
/** Below this capacity an emptied queue keeps its memory; above, it gives it back. */
const KEEP_CAPACITY = 4096;

export class ByteQueue {
  private buf: Buffer = EMPTY;
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  /** The queued bytes, not copied: valid until the next append/consume/clear. */
  view(): Buffer {
    return this.buf.subarray(this.head, this.tail);
  }

  append(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.tail + n > this.buf.length) this.makeRoom(n);
    src.copy(this.buf, this.tail, start, end);
    this.tail += n;
  }

  consume(n: number): void {
    this.head += Math.min(n, this.length);
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      if (this.buf.length > KEEP_CAPACITY) this.buf = EMPTY;
    }
  }

  clear(): void {
    this.head = 0;
    this.tail = 0;
    if (this.buf.length > KEEP_CAPACITY) this.buf = EMPTY;
  }

  private makeRoom(n: number): void {
    const live = this.length;
    if ((live + n) * 2 <= this.buf.length) {
      // At least half the buffer comes free by moving the live bytes to the front: amortised O(1).
      this.buf.copy(this.buf, 0, this.head, this.tail);
    } else {
      const next = Buffer.allocUnsafe(Math.max(256, live + n, this.buf.length * 2));
      this.buf.copy(next, 0, this.head, this.tail);
      this.buf = next;
    }
    this.head = 0;
    this.tail = live;
  }
}
