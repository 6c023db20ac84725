//! Every `sipward` sub-command, each in its own file, loaded only when it runs: a command's module
//! pulls in what that command needs (the Elasticsearch and Kafka clients, signature loading, the
//! console ...), and `decode` must not pay for `analyzer`'s start-up (README "Speed": start-up).
import type { Command } from 'commander';
import type * as Analyze from './analyze';
import type * as Analyzer from './analyzer';
import type * as Collect from './collect';
import type * as Decode from './decode';
import type * as Extract from './extract';
import type * as Kibana from './kibana';
import type * as Report from './report';
import type * as Rules from './rules';
import type * as Ui from './ui';

/* eslint-disable @typescript-eslint/no-require-imports -- a plain require is what defers the load */
const COMMANDS: ReadonlyArray<readonly [name: string, make: () => Command]> = [
  ['analyze', () => (require('./analyze') as typeof Analyze).analyzeCommand()],
  ['decode', () => (require('./decode') as typeof Decode).decodeCommand()],
  ['rules', () => (require('./rules') as typeof Rules).rulesCommand()],
  ['report', () => (require('./report') as typeof Report).reportCommand()],
  ['extract', () => (require('./extract') as typeof Extract).extractCommand()],
  ['ui', () => (require('./ui') as typeof Ui).uiCommand()],
  ['kibana', () => (require('./kibana') as typeof Kibana).kibanaCommand()],
  ['collect', () => (require('./collect') as typeof Collect).collectCommand()],
  ['analyzer', () => (require('./analyzer') as typeof Analyzer).analyzerCommand()],
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** The program's options that take a value (so the word after them is not the command). */
const VALUE_OPTIONS = new Set(['--log-level', '--log-format']);

/**
 * Registers the sub-commands on `program`. Given the command line (process.argv form), only the
 * command it names is loaded; without one, or when it names none (top-level help, a typo, `help`),
 * all of them are, so help and "unknown command" read as before.
 */
export function registerCommands(program: Command, argv?: readonly string[]): void {
  const wanted = argv === undefined ? undefined : commandNameOf(argv);
  for (const [name, make] of COMMANDS) if (wanted === undefined || wanted === name) program.addCommand(make());
}

function commandNameOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (VALUE_OPTIONS.has(word)) i++;
    else if (!word.startsWith('-')) return COMMANDS.some(([name]) => name === word) ? word : undefined;
  }
  return undefined;
}
