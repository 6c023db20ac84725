//! Process-wide pino logger on stderr, so stdout stays free for events and alerts: JSON lines for
//! machines (piped, or `--log-format json`), one human-readable line per record on a terminal.
import { writeSync } from 'node:fs';
import pino from 'pino';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** Pretty on a terminal, JSON when stderr is a pipe or a file. */
export function defaultLogFormat(stderrIsTty = process.stderr.isTTY === true): LogFormat {
  return stderrIsTty ? 'pretty' : 'json';
}

export function createLogger(level: LevelWithSilent = 'info', name = 'sipward', format: LogFormat = 'json'): Logger {
  // fd 2, synchronous: a crash must not lose its last lines, and log volume is small by design.
  const options = { name, level, base: { pid: process.pid } };
  if (format === 'json') return pino(options, pino.destination({ dest: 2, sync: true }));
  return pino(
    options,
    prettyDestination((text) => writeSync(2, text)),
  );
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every record has; they go in the line's prefix, not its key=value tail. */
const PREFIX_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** A pino destination that rewrites each JSON record as one readable line. */
export function prettyDestination(write: (text: string) => void): DestinationStream {
  return { write: (json: string) => write(prettyLine(json) + '\n') };
}

/**
 * Pure: one pino JSON record → `HH:MM:SS.mmm LEVEL name: message key=value …` on one line (nested
 * values as compact JSON, so a summary object stays on its line). Non-JSON input passes through.
 */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? String(record.level)) : '';
  const name = typeof record.name === 'string' ? `${record.name}: ` : '';
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (PREFIX_KEYS.has(key) || value === undefined) continue;
    const text =
      typeof value === 'string' ? (/[\s"=]/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value);
    fields.push(`${key}=${text}`);
  }
  return `${time} ${level} ${name}${msg}${fields.length > 0 ? ' ' + fields.join(' ') : ''}`.replace(/[\r\n]+/g, ' ');
}
