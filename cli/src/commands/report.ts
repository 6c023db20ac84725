//! `sipward report fraud`: per account, destination and trunk totals of call records, from JSONL
//! files or Elasticsearch, as a table, CSV (what fraud tools import) or JSON.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import type { CallRecord } from '../../../schema/src/call-record';
import { DEFAULT_HIGH_RISK_LIST, loadHighRiskList } from '../../../analyzer/src/calls/numbers';
import { createElasticClient } from '../../../analyzer/src/index/es-client';
import { namespaceError } from '../../../analyzer/src/index/templates';
import { callsFromElasticsearch, callsFromFiles } from '../../../analyzer/src/reports/call-source';
import {
  FraudReportBuilder,
  fraudReportCsv,
  fraudReportTable,
  parseRateTable,
  type RateTable,
} from '../../../analyzer/src/reports/fraud-report';
import { openOutputFile } from '../output-file';
import { parsePositiveInteger } from '../parse-options';

interface FraudFlags {
  calls: string[];
  elasticsearch?: string;
  namespace: string;
  from?: string;
  to?: string;
  rates?: string;
  highRiskList?: string;
  top?: number;
  format: 'table' | 'csv' | 'json';
  out?: string;
}

function parseTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`not a time (ISO 8601 expected): ${value}`);
  return new Date(ms).toISOString();
}

function loadRates(file: string): RateTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SipwardError('SIPWARD_INPUT_NOT_FOUND', `cannot read rate table ${file}`, { cause: error });
  }
  try {
    return parseRateTable(text, file);
  } catch (error) {
    throw new SipwardError('SIPWARD_CONFIG_INVALID', error instanceof Error ? error.message : String(error));
  }
}

function fraudCommand(): Command {
  return new Command('fraud')
    .description(
      'per account, destination (country / number type / high-risk) and trunk: calls, minutes, cost, peak concurrency, alerts',
    )
    .option(
      '--calls <file>',
      'call records (JSONL from analyze --calls); repeatable',
      (f: string, all: string[]) => [...all, f],
      [],
    )
    .option('--elasticsearch <url>', 'read call records from Elasticsearch instead (env SIPWARD_ELASTICSEARCH)')
    .option('--namespace <ns>', 'data stream namespace of the call records', 'default')
    .addOption(new Option('--from <time>', 'only calls started at or after this time (ISO 8601)').argParser(parseTime))
    .addOption(new Option('--to <time>', 'only calls started before this time (ISO 8601)').argParser(parseTime))
    .option('--rates <file>', 'rate table: "prefix,price_per_minute" per line; adds cost-weighted minutes')
    .option(
      '--high-risk-list <file>',
      'high-risk destination list (TSV) naming destination categories',
      DEFAULT_HIGH_RISK_LIST,
    )
    .addOption(
      new Option('--top <n>', 'rows per section after ranking (totals cover every call)').argParser(
        parsePositiveInteger,
      ),
    )
    .addOption(new Option('--format <format>', 'output').choices(['table', 'csv', 'json']).default('table'))
    .option('-o, --out <file>', 'write the report to this file instead of stdout')
    .action(async (flags: FraudFlags) => {
      const url = flags.elasticsearch ?? (flags.calls.length === 0 ? process.env['SIPWARD_ELASTICSEARCH'] : undefined);
      if (flags.calls.length > 0 === (url !== undefined)) {
        throw new SipwardError('SIPWARD_USAGE', 'report fraud reads --calls FILE or --elasticsearch URL (one of them)');
      }
      const nsError = namespaceError(flags.namespace);
      if (nsError !== undefined) throw new SipwardError('SIPWARD_USAGE', nsError);
      const builder = new FraudReportBuilder({
        ...(flags.from !== undefined ? { from: flags.from } : {}),
        ...(flags.to !== undefined ? { to: flags.to } : {}),
        ...(flags.rates !== undefined ? { rates: loadRates(flags.rates) } : {}),
        highRisk: loadHighRiskList(flags.highRiskList ?? DEFAULT_HIGH_RISK_LIST),
        ...(flags.top !== undefined ? { top: flags.top } : {}),
      });
      const out = flags.out === undefined ? process.stdout : openOutputFile(flags.out, 'the report');
      let records: AsyncGenerator<CallRecord>;
      let close: () => Promise<void> = () => Promise.resolve();
      if (url !== undefined) {
        const client = createElasticClient({ node: url.split(',') });
        close = () => client.close();
        records = callsFromElasticsearch(client, flags.namespace, flags.from, flags.to);
      } else records = callsFromFiles(flags.calls);
      try {
        for await (const call of records) builder.add(call);
      } finally {
        await close();
      }
      const report = builder.build();
      const text =
        flags.format === 'json'
          ? JSON.stringify(report, null, 2) + '\n'
          : flags.format === 'csv'
            ? fraudReportCsv(report)
            : fraudReportTable(report);
      await new Promise<void>((resolve, reject) => {
        out.write(text, (error) => (error ? reject(error) : resolve()));
      });
      if (flags.out !== undefined) out.end();
    });
}

export function reportCommand(): Command {
  return new Command('report').description('reports over call records and alerts').addCommand(fraudCommand());
}
