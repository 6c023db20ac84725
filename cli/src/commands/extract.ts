//! `sipward extract --alert ID|--call CALL-ID|--campaign ID <capture>... -o out.pcap`: the packets
//! behind an alert (every message its incident counted), a call (every message of the dialog) or a
//! campaign (those of all its alerts), as a pcap Wireshark, tshark and sngrep open.
import { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { SipwardError } from '../../../lib/src/errors';
import { createLogger } from '../../../lib/src/logger';
import { loadAnalyzerConfig } from '../../../analyzer/src/config';
import { runExtract, type ExtractSelector } from '../jobs/extract';

interface ExtractFlags {
  alert?: string;
  call?: string;
  campaign?: string;
  out?: string;
  rules: string[];
  config?: string;
  dedup: boolean;
  decapsulate: boolean;
}

function selectorOf(flags: ExtractFlags): ExtractSelector {
  const given = [flags.alert, flags.call, flags.campaign].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new SipwardError('SIPWARD_USAGE', 'extract needs exactly one of --alert, --call, --campaign');
  if (flags.alert !== undefined) return { alert: flags.alert };
  if (flags.call !== undefined) return { call: flags.call };
  return { campaign: flags.campaign as string };
}

export function extractCommand(): Command {
  return new Command('extract')
    .description('write the packets behind an alert, a call or a campaign to a pcap')
    .argument('<captures...>', 'the pcap or pcapng files the alert or call came from, in the order analyzed')
    .option('--alert <id>', 'alert event.id: every message its incident counted')
    .option('--call <call-id>', 'SIP Call-ID: every message of the dialog')
    .option('--campaign <id>', 'sipward.campaign.id: the messages of every alert of the campaign')
    .option('-o, --out <file>', 'pcap to write (required)')
    .option(
      '--rules <dir>',
      'extra signature folder, as given to analyze; repeatable',
      (d: string, all: string[]) => [...all, d],
      [],
    )
    .option('--config <file>', 'the YAML configuration analyze ran with (alert ids depend on it)')
    .option('--no-dedup', 'keep mirror duplicates (as analyze --no-dedup)')
    .option('--no-decapsulate', 'do not look inside tunnels (as analyze --no-decapsulate)')
    .action(async (captures: string[], flags: ExtractFlags, command: Command) => {
      const { logLevel } = command.optsWithGlobals<{ logLevel: LevelWithSilent }>();
      const log = createLogger(logLevel, 'sipward-extract');
      const selector = selectorOf(flags);
      if (flags.out === undefined) throw new SipwardError('SIPWARD_USAGE', 'extract needs -o FILE (the pcap to write)');
      const config = flags.config === undefined ? {} : loadAnalyzerConfig(flags.config);
      const summary = await runExtract({
        captures,
        log,
        selector,
        outPath: flags.out,
        rulesDirs: flags.rules,
        dedup: flags.dedup,
        packet: { decapsulate: flags.decapsulate },
        ...(config.site !== undefined ? { site: config.site } : {}),
      });
      log.info({ ...summary, out: flags.out }, `wrote ${summary.packets} packets (${summary.events} SIP messages)`);
    });
}
