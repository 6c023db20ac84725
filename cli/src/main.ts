//! `sipward` command line: parses flags, calls the wiring of each stage, maps errors to exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { isSipwardError } from '../../lib/src/errors';
import { LOG_FORMATS, LOG_LEVELS } from '../../lib/src/logger';
import { registerCommands } from './commands';
import { repoPath } from '../../lib/src/repo-root';

const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;

/** The whole program; with `argv`, only the sub-command it runs is loaded (commands/index.ts). */
export function buildProgram(argv?: readonly string[]): Command {
  const program = new Command('sipward')
    .description('Passive SIP intrusion detection aligned with GSMA FS.38')
    .version(version)
    .addOption(
      new Option('--log-level <level>', 'pino log level (logs go to stderr)').choices(LOG_LEVELS).default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: json, or pretty (default: pretty on a terminal, json otherwise)',
      ).choices(LOG_FORMATS),
    );
  registerCommands(program, argv);
  forEachCommand(program, (command) => command.exitOverride().configureOutput({ outputError: writeUsageError }));
  return program;
}

/** addCommand does not pass settings down: apply them to every command of the tree. */
function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}

/** Commander's usage errors as one line, like every other failure: `sipward: error: … (see --help)`. */
function writeUsageError(text: string, write: (text: string) => void): void {
  write(`sipward: ${text.trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`);
}

/** Help and version output keep commander's exit code; every other commander error is a usage error. */
const COMMANDER_OWN_EXITS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** One clear line on stderr and a non-zero exit for anything that is not a programming error. */
export function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) return COMMANDER_OWN_EXITS.has(error.code) ? error.exitCode : 2;
  if (isSipwardError(error)) {
    process.stderr.write(`sipward: ${error.message} (${error.code})\n`);
    return 2;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`sipward: internal error: ${message}\n`);
  return 70;
}

export function main(argv: string[]): void {
  buildProgram(argv)
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
