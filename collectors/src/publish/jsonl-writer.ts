//! Buffered JSON-lines output to a stream (stdout or a file) with back-pressure: lines are
//! UTF-8-encoded straight into ~64 KiB buffers (no joined string, no string → Buffer conversion in
//! the stream), and `flushIfFull` resolves only once the stream has drained.
import type { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024;
/** Room per buffer: a line up to this many UTF-16 units always fits (≤ 3 bytes each). */
const CHUNK_SIZE = FLUSH_AT + 16 * 1024;

export class JsonlWriter {
  /** Filled buffers not yet written (only when a single flush interval overflows one buffer). */
  private full: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private pos = 0;
  private pendingLength = 0;
  lines = 0;
  private failed: Error | undefined;
  private waiting: (() => void) | undefined;

  constructor(private readonly stream: Writable) {
    // EPIPE (e.g. `| head`) and other write errors end the output; they are reported by `close`.
    stream.on('error', (error: Error) => {
      this.failed = error;
      this.wake();
    });
    stream.on('drain', () => this.wake());
  }

  /** Adds one already-serialised line, its trailing newline included (as toJsonLine returns it). */
  writeLine(line: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    const worst = line.length * 3;
    if (this.pos + worst > this.buf.length) {
      if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, worst));
      this.pos = 0;
    }
    const n = this.buf.write(line, this.pos, 'utf8');
    this.pos += n;
    this.pendingLength += n;
    this.lines++;
  }

  /** Adds `lines` lines already encoded as UTF-8 (a parse worker's batch); the buffer is kept, not copied. */
  writeEncoded(chunk: Buffer, lines: number): void {
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
    this.full.push(chunk);
    this.pendingLength += chunk.length;
    this.lines += lines;
  }

  get error(): Error | undefined {
    return this.failed;
  }

  /** Writes when enough is buffered; awaits drain so a slow reader slows the producer. */
  async flushIfFull(): Promise<void> {
    if (this.pendingLength >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pendingLength === 0 || this.failed) {
      this.full = [];
      this.pos = 0;
      this.pendingLength = 0;
      return;
    }
    const chunks = this.full;
    if (this.pos > 0) chunks.push(this.buf.subarray(0, this.pos));
    // The stream keeps a reference to what it was given until written: start a fresh buffer.
    this.full = [];
    this.buf = Buffer.allocUnsafe(CHUNK_SIZE);
    this.pos = 0;
    this.pendingLength = 0;
    let ok = true;
    for (const chunk of chunks) ok = this.stream.write(chunk);
    if (!ok && !this.failed) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  async close(endStream: boolean): Promise<void> {
    await this.flush();
    if (endStream && !this.failed) {
      await new Promise<void>((resolve) => {
        this.stream.once('finish', resolve);
        this.stream.once('error', () => resolve());
        this.stream.end();
      });
    }
  }

  private wake(): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.();
  }
}
