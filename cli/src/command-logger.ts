//! The logger of a running sub-command, from the global `--log-level` and `--log-format` flags.
import type { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger, defaultLogFormat, type LogFormat, type Logger } from '../../lib/src/logger';

export function commandLogger(command: Command, name: string): Logger {
  const { logLevel, logFormat } = command.optsWithGlobals<{ logLevel: LevelWithSilent; logFormat?: LogFormat }>();
  return createLogger(logLevel, name, logFormat ?? defaultLogFormat());
}
