//! Every `sipward` sub-command registers itself here; each lives in its own file.
import type { Command } from 'commander';

export function registerCommands(_program: Command): void {
  // Sub-commands (decode, collect, analyze, analyzer, rules) are added as their stages land.
}
