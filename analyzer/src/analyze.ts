//! Wiring for `sipward analyze`, the embedded default: capture files or a live interface →
//! collector decode → detection engine, in one process with no Kafka and no Elasticsearch.
//! Prints each incident once, when it closes ('final'), in the format the caller chooses.
import type { Writable } from 'node:stream';
import type { Alert } from '../../schema/src/alert';
import { decodeInputs, type DecodeInputOptions, type DecodeSummary } from '../../collectors/src/decode';
import { JsonlWriter } from '../../collectors/src/publish/jsonl-writer';
import { DetectionEngine, type EngineStats } from './engine/engine';
import { loadSignatures } from './engine/load-signatures';

export interface AnalyzeOptions extends DecodeInputOptions {
  /** `--rules DIR`: extra signature folders that add or override by id. */
  rulesDirs: readonly string[];
  /** One output line per alert, newline included. */
  formatAlert: (alert: Alert) => string;
  /** Written before the first alert (a table header), or nothing. */
  header?: string;
  out: Writable;
  endOutput?: boolean;
  maxGroupsPerSignature?: number;
  maxTransactions?: number;
}

export interface AnalyzeSummary {
  decode: DecodeSummary;
  signatures: number;
  alerts: number;
  alerts_by_rule: Record<string, number>;
  engine: Omit<EngineStats, 'alertsByRule'>;
}

export async function runAnalyze(options: AnalyzeOptions): Promise<AnalyzeSummary> {
  // Signatures load (and fail) before any capture is opened: a bad rule file is a usage error.
  const signatures = loadSignatures({ extraDirs: options.rulesDirs });
  const writer = new JsonlWriter(options.out);
  if (options.header !== undefined) writer.writeLine(options.header);
  let alerts = 0;
  const engine = new DetectionEngine(signatures, {
    emitUpdates: false,
    ...(options.maxGroupsPerSignature !== undefined ? { maxGroupsPerSignature: options.maxGroupsPerSignature } : {}),
    ...(options.maxTransactions !== undefined ? { maxTransactions: options.maxTransactions } : {}),
    onAlert: (alert, phase) => {
      if (phase !== 'final') return;
      alerts++;
      writer.writeLine(options.formatAlert(alert));
    },
  });
  const decode = await decodeInputs(options, {
    onEvent: (event) => engine.process(event),
    afterBatch: () => writer.flushIfFull(),
  });
  engine.flush();
  await writer.close(options.endOutput === true);
  if (writer.error !== undefined && (writer.error as NodeJS.ErrnoException).code !== 'EPIPE') throw writer.error;
  const { alertsByRule, ...engineStats } = engine.stats();
  return { decode, signatures: signatures.length, alerts, alerts_by_rule: alertsByRule, engine: engineStats };
}
