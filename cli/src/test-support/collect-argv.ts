//! Test helper: the node arguments that run `sipward collect …` — the built CLI (bin/sipward.js), or
//! from source (tsx) the collect command mounted on a bare program the way cli/src/main.ts mounts it
//! (main.ts cannot load from source: it finds package.json relative to dist/). Tests only.
import { join } from 'node:path';
import { repoRoot } from '../../../lib/src/repo-root';

/** True when this file runs as TypeScript (tsx), as the test that imports it does. */
export const FROM_SOURCE = __filename.endsWith('.ts');

function sourceRunner(root: string): string {
  return `
const { Command, Option, CommanderError } = require('commander');
const { collectCommand } = require(${JSON.stringify(join(root, 'cli/src/commands/collect.ts'))});
const { isSipwardError } = require(${JSON.stringify(join(root, 'lib/src/errors.ts'))});
const p = new Command('sipward').addOption(new Option('--log-level <level>').default('info')).exitOverride();
p.addCommand(collectCommand());
p.parseAsync(['node', 'sipward', ...process.argv.slice(1)]).catch((e) => {
  if (e instanceof CommanderError) process.exitCode = e.exitCode;
  else if (isSipwardError(e)) { process.stderr.write('sipward: ' + e.message + ' (' + e.code + ')\\n'); process.exitCode = 2; }
  else { process.stderr.write('sipward: internal error: ' + (e && e.stack) + '\\n'); process.exitCode = 70; }
});`;
}

/** Arguments for `process.execPath` that run `sipward collect <args>`. */
export function collectArgv(args: string[]): string[] {
  const root = repoRoot();
  return FROM_SOURCE
    ? ['--import', 'tsx', '-e', sourceRunner(root), 'collect', ...args]
    : [join(root, 'bin', 'sipward.js'), 'collect', ...args];
}
