//! Every `sipward` sub-command registers itself here; each lives in its own file.
import type { Command } from 'commander';
import { analyzeCommand } from './analyze';
import { decodeCommand } from './decode';
import { extractCommand } from './extract';
import { reportCommand } from './report';
import { rulesCommand } from './rules';
import { uiCommand } from './ui';
import { kibanaCommand } from './kibana';

export function registerCommands(program: Command): void {
  program.addCommand(analyzeCommand());
  program.addCommand(decodeCommand());
  program.addCommand(rulesCommand());
  program.addCommand(reportCommand());
  program.addCommand(extractCommand());
  program.addCommand(uiCommand());
  program.addCommand(kibanaCommand());
}
