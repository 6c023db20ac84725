//! `analyze --out-dir DIR`: one directory holding everything an analysis produced, the input of
//! `sipward ui --from DIR`. Readers must accept any of the files missing (older or partial runs).
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SipwardError } from '../../lib/src/errors';

/** File names inside an out-dir; a stable contract (README "analyze --out-dir"). */
export const OUT_DIR_FILES = {
  alerts: 'alerts.jsonl',
  calls: 'calls.jsonl',
  sipLog: 'sip-log.jsonl',
  campaigns: 'campaigns.jsonl',
} as const;

export type OutDirFile = keyof typeof OUT_DIR_FILES;

export function outDirPath(dir: string, file: OutDirFile): string {
  return join(dir, OUT_DIR_FILES[file]);
}

/** Creates DIR (and parents) when absent; a path that exists and is not a directory is one clear error. */
export function prepareOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SipwardError('SIPWARD_OUTPUT_UNWRITABLE', `cannot create output directory ${dir}: ${reason}`, {
      cause: error,
    });
  }
  if (!statSync(dir).isDirectory()) {
    throw new SipwardError('SIPWARD_OUTPUT_UNWRITABLE', `output directory ${dir} is not a directory`);
  }
}
