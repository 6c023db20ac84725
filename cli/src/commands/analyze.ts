//! `sipward analyze <capture>...` / `--interface IF`: the embedded default. Decode and detection in
//! one process (no Kafka, no Elasticsearch); alerts as a table on a terminal, JSONL otherwise;
//! a summary (packets, SIP messages, anomalies, alerts per rule) on stderr.
import { Command, Option } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../../../lib/src/logger';
import { runAnalyze } from '../../../analyzer/src/analyze';
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
  outDir?: string;
}

export function analyzeCommand(): Command {
  return addInputOptions(
    new Command('analyze').description(
      'decode captures (or a live interface) and run every FS.38 signature in one process; print alerts',
    ),
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
    .option(
      '--out-dir <dir>',
      'write alerts.jsonl and calls.jsonl into this directory (created if absent): the input of `sipward ui --from`',
    )
    .action(async (captures: string[], flags: AnalyzeFlags, command: Command) => {
      const { logLevel } = command.optsWithGlobals<{ logLevel: LevelWithSilent }>();
      const log = createLogger(logLevel, 'sipward-analyze');
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
            engine: summary.engine,
            ...(summary.calls !== undefined ? { calls: summary.calls } : {}),
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

/** Where alerts and call records go: `--out`/`--calls`, or the fixed names inside `--out-dir`. */
function outputFiles(flags: AnalyzeFlags): { alerts?: string; calls?: string } {
  if (flags.outDir === undefined) return { alerts: flags.out, calls: flags.calls };
  if (flags.out !== undefined || flags.calls !== undefined) {
    throw new SipwardError('SIPWARD_USAGE', '--out-dir names the alert and call files itself: drop --out/--calls');
  }
  if (flags.format === 'table') {
    throw new SipwardError('SIPWARD_USAGE', '--out-dir writes JSONL (alerts.jsonl): drop --format table');
  }
  prepareOutDir(flags.outDir);
  return { alerts: outDirPath(flags.outDir, 'alerts'), calls: outDirPath(flags.outDir, 'calls') };
}
