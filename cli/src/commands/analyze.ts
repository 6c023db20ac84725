//! `sipward analyze <capture>...` / `--interface IF`: the embedded default. Decode and detection in
//! one process (no Kafka, no Elasticsearch); alerts as a table on a terminal, JSONL otherwise;
//! a summary (packets, SIP messages, anomalies, alerts per rule) on stderr.
import { Command, Option } from 'commander';
import { commandLogger } from '../command-logger';
import { runAnalyze } from '../jobs/analyze';
import { SIP_LOG_MODES, type SipLogMode } from '../../../analyzer/src/siplog/alerted-filter';
import { loadAnalyzerConfig } from '../../../analyzer/src/config';
import { ALERT_TABLE_HEADER, alertTableRow } from '../alert-table';
import { addInputOptions, releaseLiveCapture, toDecodeInputOptions, type InputFlags } from '../input-options';
import { progressReporter } from '../progress';
import { openOutputFile } from '../output-file';
import { outDirPath, prepareOutDir } from '../out-dir';
import { SipwardError } from '../../../lib/src/errors';

interface AnalyzeFlags extends InputFlags {
  format?: 'jsonl' | 'table';
  out?: string;
  rules: string[];
  config?: string;
  calls?: string;
  sipLog?: string;
  sipLogMode: SipLogMode;
  outDir?: string;
  campaigns?: string;
  state?: string;
}

export function analyzeCommand(): Command {
  return addInputOptions(
    new Command('analyze').description(
      'decode captures (or a live interface) and run every FS.38 signature in one process; print alerts',
    ),
    { threads: true, rawByDefault: true },
  )
    .addOption(
      new Option('--format <format>', 'alert output (default: table on a terminal, jsonl otherwise)').choices([
        'jsonl',
        'table',
      ]),
    )
    .option('-o, --out <file>', 'write alerts to this file instead of stdout')
    .option(
      '--rules <dir>',
      'extra signature folder (adds or overrides by id); repeatable',
      (dir: string, all: string[]) => [...all, dir],
      [],
    )
    .option('--config <file>', 'YAML configuration: engine state bounds and site knowledge (config/README.md)')
    .option('--calls <file>', 'also write one call record per INVITE dialog (JSONL) to this file')
    .option('--state <file>', 'what baseline signatures learned: read at start when present, written at the end')
    .option(
      '--sip-log <file>',
      'also write one SIP transaction record (request, final response, timings, auth) per line',
    )
    .addOption(
      new Option(
        '--sip-log-mode <mode>',
        'which transactions --sip-log gets: all, alerted (sources/dialogs that alerted), none',
      )
        .choices(SIP_LOG_MODES)
        .default('all'),
    )
    .option(
      '--out-dir <dir>',
      'write alerts.jsonl, calls.jsonl and sip-log.jsonl into this directory (created if absent): the input of `sipward ui --from`',
    )
    .option(
      '--campaigns <file>',
      'also write the campaigns the alerts form (JSONL, schema/src/campaign.ts) to this file',
    )
    .action(async (captures: string[], flags: AnalyzeFlags, command: Command) => {
      const log = commandLogger(command, 'sipward-analyze');
      const progress = progressReporter();
      try {
        const input = toDecodeInputOptions('analyze', captures, flags, log, progress.update);
        const config = flags.config === undefined ? {} : loadAnalyzerConfig(flags.config);
        const files = outputFiles(flags);
        const toTerminal = files.alerts === undefined && process.stdout.isTTY === true;
        const format =
          files.alerts !== undefined && flags.outDir !== undefined
            ? 'jsonl'
            : (flags.format ?? (toTerminal ? 'table' : 'jsonl'));
        const out = files.alerts === undefined ? process.stdout : openOutputFile(files.alerts, 'alerts');
        const summary = await runAnalyze({
          ...input,
          ...config,
          rulesDirs: flags.rules,
          formatAlert: format === 'table' ? (a) => alertTableRow(a) + '\n' : (a) => JSON.stringify(a) + '\n',
          ...(format === 'table' ? { header: ALERT_TABLE_HEADER + '\n' } : {}),
          out,
          endOutput: files.alerts !== undefined,
          ...(files.calls !== undefined ? { callsOut: openOutputFile(files.calls, 'call records') } : {}),
          ...(files.sipLog !== undefined && flags.sipLogMode !== 'none'
            ? { sipLogOut: openOutputFile(files.sipLog, 'the SIP transaction log'), sipLogMode: flags.sipLogMode }
            : {}),
          ...(flags.state !== undefined ? { stateFile: flags.state } : {}),
          ...(files.campaigns !== undefined ? { campaignsOut: openOutputFile(files.campaigns, 'campaigns') } : {}),
        });
        progress.stop();
        log.info(
          {
            packets: summary.decode.packets,
            sip_messages: summary.decode.sip_messages,
            anomalies: summary.decode.anomalies,
            signatures: summary.signatures,
            alerts: summary.alerts,
            alerts_by_rule: summary.alerts_by_rule,
            campaigns: summary.campaigns,
            engine: summary.engine,
            ...(summary.calls !== undefined ? { calls: summary.calls } : {}),
            ...(summary.sip_log !== undefined ? { sip_log: summary.sip_log } : {}),
            decode: summary.decode,
          },
          'analyze finished',
        );
      } finally {
        progress.stop();
        releaseLiveCapture(flags);
      }
    });
}

/** Where alerts, call records and the SIP log go: `--out`/`--calls`/`--sip-log`, or the fixed names inside `--out-dir`. */
function outputFiles(flags: AnalyzeFlags): { alerts?: string; calls?: string; sipLog?: string; campaigns?: string } {
  if (flags.outDir === undefined) {
    return { alerts: flags.out, calls: flags.calls, sipLog: flags.sipLog, campaigns: flags.campaigns };
  }
  if (
    flags.out !== undefined ||
    flags.calls !== undefined ||
    flags.sipLog !== undefined ||
    flags.campaigns !== undefined
  ) {
    throw new SipwardError(
      'SIPWARD_USAGE',
      '--out-dir names the alert, call, SIP log and campaign files itself: drop --out/--calls/--sip-log/--campaigns',
    );
  }
  if (flags.format === 'table') {
    throw new SipwardError('SIPWARD_USAGE', '--out-dir writes JSONL (alerts.jsonl): drop --format table');
  }
  prepareOutDir(flags.outDir);
  return {
    alerts: outDirPath(flags.outDir, 'alerts'),
    calls: outDirPath(flags.outDir, 'calls'),
    sipLog: outDirPath(flags.outDir, 'sipLog'),
    campaigns: outDirPath(flags.outDir, 'campaigns'),
  };
}
