//! `sipward` command line: parses flags, calls the wiring of each stage, maps errors to exit codes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isSipwardError } from '../../lib/src/errors';
import { LOG_LEVELS } from '../../lib/src/logger';
import { registerCommands } from './commands';
import { analyzerCommand } from './commands/analyzer';
import { collectCommand } from './commands/collect';

/** The package version, found from dist/cli/src (built) and cli/src (run with tsx) alike. */
function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    dir = dirname(dir);
  }
  return 'unknown';
}
const version = packageVersion();

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
  program.addCommand(collectCommand());
  program.addCommand(analyzerCommand());
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

// `npx tsx cli/src/main.ts …` during development runs the CLI straight from source.
if (require.main === module) main(process.argv);
