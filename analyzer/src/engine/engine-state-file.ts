//! `analyze --state FILE`: what the baseline signatures learned, kept between runs (I/O edge).
//! Read before the first event when the file exists; written at the end (temporary file + rename,
//! so an interrupted write never leaves half a baseline behind).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { SipwardError } from '../../../lib/src/errors';
import type { DetectionEngine } from './engine';

interface StateFile {
  version: 1;
  saved_at: string;
  /** Event time the engine had reached. */
  watermark: number | null;
  signatures: Record<string, unknown>;
}

export function restoreEngineState(engine: DetectionEngine, path: string): void {
  if (!existsSync(path)) return;
  let parsed: Partial<StateFile>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<StateFile>;
  } catch (error) {
    throw new SipwardError(
      'SIPWARD_INPUT_UNREADABLE',
      `${path}: not a sipward state file (${(error as Error).message})`,
    );
  }
  if (parsed.version !== 1 || typeof parsed.signatures !== 'object' || parsed.signatures === null) {
    throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `${path}: not a sipward state file (version 1 expected)`);
  }
  try {
    engine.importState(parsed.signatures);
  } catch (error) {
    throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `${path}: ${(error as Error).message}`);
  }
}

export function saveEngineState(engine: DetectionEngine, path: string): void {
  const state: StateFile = {
    version: 1,
    saved_at: new Date().toISOString(),
    watermark: Number.isFinite(engine.watermark) ? engine.watermark : null,
    signatures: engine.exportState(),
  };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state) + '\n');
  renameSync(tmp, path);
}
