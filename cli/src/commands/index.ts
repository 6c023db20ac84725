//! Every `sipward` sub-command registers itself here; each lives in its own file.
import type { Command } from 'commander';
import { decodeCommand } from './decode';

export function registerCommands(program: Command): void {
  program.addCommand(decodeCommand());
}
