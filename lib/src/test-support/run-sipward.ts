//! `bin/sipward.js` run as a user runs it (a child process, from the repository root), for the
//! tests of the command line in every package: one place for how the CLI is started.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../repo-root';

/** The entry point the tests start. */
export const SIPWARD_BIN = join(repoRoot(), 'bin', 'sipward.js');

export interface SipwardRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Killed after this long (default 60 s): a hung command fails its test instead of the suite. */
  timeoutMs?: number;
  /** Added to (or, with '', blanking) the inherited environment. */
  env?: NodeJS.ProcessEnv;
  /** Output larger than Node's 1 MiB default (whole-capture JSONL). */
  maxBuffer?: number;
}

/** Runs `sipward ARGS...` to completion. */
export function runSipward(args: readonly string[], options: RunOptions = {}): SipwardRun {
  const r = spawnSync(process.execPath, [SIPWARD_BIN, ...args], {
    cwd: repoRoot(),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    env: { ...process.env, ...options.env },
    ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The records of JSONL output (`--format jsonl`, `--calls`, `--campaigns` …); blank lines skipped. */
export function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
