//! Process-wide pino logger: JSON lines on stderr so stdout stays free for events and alerts.
import pino from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LevelWithSilent = 'info', name = 'sipward'): Logger {
  // fd 2, synchronous: a crash must not lose its last lines, and log volume is small by design.
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}
