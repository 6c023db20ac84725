//! Progress bar on stderr for long file work, only when stderr is a terminal. It ends at 100 %
//! and is erased, so the summary line that follows starts on a clean line.
import type { Writable } from 'node:stream';
import { SingleBar, Presets } from 'cli-progress';

export interface ProgressReporter {
  update: (done: number, total: number) => void;
  stop: () => void;
}

export interface ProgressOptions {
  /** Inputs smaller than this get no bar (default 32 MiB). */
  minBytes?: number;
  /** Default process.stderr; a bar is drawn only when `stream.isTTY`. */
  stream?: Writable & { isTTY?: boolean };
}

export function progressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const minBytes = options.minBytes ?? 32 * 1024 * 1024;
  if (stream.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  let bar: SingleBar | undefined;
  let totalMb = 0;
  return {
    update(done, total) {
      if (total < minBytes) return;
      if (bar === undefined) {
        totalMb = Math.ceil(total / 1e6);
        bar = new SingleBar(
          {
            stream,
            format: 'decode [{bar}] {percentage}% | {value}/{total} MB',
            hideCursor: true,
            clearOnComplete: true,
          },
          Presets.shades_classic,
        );
        bar.start(totalMb, 0);
      }
      // Floor while reading (never claim unread bytes), the exact total once everything is read.
      bar.update(done >= total ? totalMb : Math.floor(done / 1e6));
    },
    stop() {
      if (bar === undefined) return;
      bar.update(totalMb);
      bar.stop();
      bar = undefined;
    },
  };
}
