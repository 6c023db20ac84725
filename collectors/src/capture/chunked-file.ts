//! Sequential chunked file reading for the capture readers: a window of bytes that is refilled
//! ~1 MiB at a time, carrying over a record cut by the chunk boundary. Never reads the whole file.

import { open, type FileHandle } from 'node:fs/promises';
import { SipwardError } from '../../../lib/src/errors';
import type { CaptureStats, CaptureWarning } from './capture-stats';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export class ChunkedFile {
  /** Current window: valid bytes are buf[pos, end). */
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
  /** File offset of buf[0] (for warnings). */
  base = 0;
  eof = false;
  private fileOffset = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    private readonly chunkSize: number,
  ) {}

  /** Open `path`; maps ENOENT / EACCES / EISDIR to SipwardError codes the CLI turns into one line. */
  static async open(path: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<ChunkedFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (error) {
      throw openError(path, error);
    }
    // Linux opens a directory for reading and only the first read fails: say what it is up front.
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `${path}: is a directory, not a capture file`);
    }
    return new ChunkedFile(fh, path, Math.max(16, chunkSize | 0));
  }

  /**
   * At end of file, the bytes that never formed a whole record (a capture cut mid-record);
   * 0 otherwise. Readers count and report them once, then stop.
   */
  get truncatedTail(): number {
    return this.eof ? this.available : 0;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** Absolute file offset of buf[pos]. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Read more: keep buf[pos, end), then read until at least `need` bytes are available or EOF.
   * A fresh buffer per chunk, so views handed out from the previous chunk stay valid for consumers
   * that are still holding a batch (and the leftover copy is at most one record).
   */
  async refill(need: number): Promise<void> {
    if (this.eof) return;
    const left = this.end - this.pos;
    const size = Math.max(this.chunkSize, need);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.pos, this.end);
    this.base += this.pos;
    this.buf = next;
    this.pos = 0;
    this.end = left;
    let readAtLeastOnce = false;
    while (this.end < size && (this.end < need || !readAtLeastOnce)) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.fh.read(next, this.end, size - this.end, this.fileOffset));
      } catch (error) {
        throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `${this.path}: read failed`, { cause: error });
      }
      readAtLeastOnce = true;
      if (n === 0) {
        this.eof = true;
        break;
      }
      this.fileOffset += n;
      this.end += n;
    }
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** A capture cut inside a record: counted once and reported as `truncated_record`. */
export function reportTruncatedTail(
  stats: CaptureStats,
  warn: (w: CaptureWarning) => void,
  f: ChunkedFile,
  unit: 'record' | 'block',
): void {
  const left = f.truncatedTail;
  if (left === 0) return;
  stats.truncatedRecords++;
  warn({ code: 'truncated_record', message: `file ends inside a ${unit} (${left} bytes left over)`, offset: f.offset });
}

function openError(path: string, error: unknown): SipwardError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SipwardError('SIPWARD_INPUT_NOT_FOUND', `${path}: no such file`, { cause: error });
  if (code === 'EISDIR')
    return new SipwardError('SIPWARD_INPUT_UNREADABLE', `${path}: is a directory, not a capture file`, {
      cause: error,
    });
  const detail = code ?? String(error);
  return new SipwardError('SIPWARD_INPUT_UNREADABLE', `${path}: cannot open (${detail})`, { cause: error });
}
