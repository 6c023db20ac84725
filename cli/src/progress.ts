//! Progress bar on stderr for long file work, only when stderr is a terminal.
import { SingleBar, Presets } from 'cli-progress';

export interface ProgressReporter {
  update: (done: number, total: number) => void;
  stop: () => void;
}

export function progressReporter(minBytes = 32 * 1024 * 1024): ProgressReporter {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  let bar: SingleBar | undefined;
  return {
    update(done, total) {
      if (total < minBytes) return;
      if (bar === undefined) {
        bar = new SingleBar(
          { stream: process.stderr, format: 'decode [{bar}] {percentage}% | {value}/{total} MB', hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(Math.ceil(total / 1e6), 0);
      }
      bar.update(Math.floor(done / 1e6));
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
