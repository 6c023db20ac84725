//! Buffered JSON-lines output to a stream (stdout or a file) with back-pressure: lines are
//! gathered into ~64 KiB writes, and `flushIfFull` resolves only once the stream has drained.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024;

export class JsonlWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  lines = 0;
  private failed: Error | undefined;

  constructor(private readonly stream: Writable) {
    // EPIPE (e.g. `| head`) and other write errors end the output; they are reported by `close`.
    stream.on('error', (error: Error) => {
      this.failed = error;
    });
  }

  /** Adds one already-serialised line, its trailing newline included (as toJsonLine returns it). */
  writeLine(line: string): void {
    this.pending.push(line);
    this.pendingLength += line.length;
    this.lines++;
  }

  get error(): Error | undefined {
    return this.failed;
  }

  /** Writes when enough is buffered; awaits drain so a slow reader slows the producer. */
  async flushIfFull(): Promise<void> {
    if (this.pendingLength >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0 || this.failed) {
      this.pending = [];
      this.pendingLength = 0;
      return;
    }
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (!this.stream.write(chunk)) {
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error')]).catch(() => undefined);
    }
  }

  async close(endStream: boolean): Promise<void> {
    await this.flush();
    if (endStream && !this.failed) {
      this.stream.end();
      await once(this.stream, 'finish').catch(() => undefined);
    }
  }
}
