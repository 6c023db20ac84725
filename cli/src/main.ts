//! `sipward` command line: parses flags, calls the wiring of each stage, maps errors to exit codes.
import { Command, CommanderError, Option } from 'commander';
import { isSipwardError } from '../../lib/src/errors';
import { LOG_LEVELS } from '../../lib/src/logger';
import { registerCommands } from './commands';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('sipward')
    .description('Passive SIP intrusion detection aligned with GSMA FS.38')
    .version(version)
    .addOption(
      new Option('--log-level <level>', 'pino log level (logs are JSON on stderr)').choices(LOG_LEVELS).default('info'),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** One clear line on stderr and a non-zero exit for anything that is not a programming error. */
export function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (isSipwardError(error)) {
    process.stderr.write(`sipward: ${error.message} (${error.code})\n`);
    return 2;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`sipward: internal error: ${message}\n`);
  return 70;
}

export function main(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .then(
      () => undefined,
      (error: unknown) => {
        process.exitCode = reportFailure(error);
      },
    );
}
