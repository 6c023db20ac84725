//! Wiring for `sipward analyze`, the embedded default: capture files or a live interface →
//! collector decode → detection engine, in one process with no Kafka and no Elasticsearch.
//! Prints each incident once, when it closes ('final'), in the format the caller chooses. With
//! `callsOut`, a CallTracker fed the same events writes one call record per INVITE dialog (JSONL).
import type { Writable } from 'node:stream';
import type { Alert } from '../../../schema/src/alert';
import type { SipTransaction } from '../../../schema/src/sip-transaction';
import { publishAlert } from '../../../lib/src/metrics/channels';
import {
  decodeInputs,
  decodesInWorker,
  type DecodeInputOptions,
  type DecodeSummary,
  type EventSink,
} from '../../../collectors/src/decode';
import { startDecodeWorker, type StartedDecode } from '../../../collectors/src/decode-in-worker';
import { JsonlWriter } from '../../../collectors/src/publish/jsonl-writer';
import { CampaignBook, relaysOf } from '../../../analyzer/src/campaigns/campaign-book';
import { CallTracker, type CallTrackerStats } from '../../../analyzer/src/calls/call-tracker';
import { DetectionEngine, type EngineStats } from '../../../analyzer/src/engine/engine';
import { loadSignatures } from '../../../analyzer/src/engine/load/load-signatures';
import type { Signature } from '../../../analyzer/src/engine/signature';
import { AlertedTransactionFilter, type SipLogMode } from '../../../analyzer/src/siplog/alerted-filter';
import { SipTransactionLog, type TransactionLogStats } from '../../../analyzer/src/siplog/transaction-log';
import { restoreEngineState, saveEngineState } from '../../../analyzer/src/engine/engine-state-file';
import type { SiteConfig } from '../../../analyzer/src/site/site-config';
import { applyTuning } from '../../../analyzer/src/tuning/apply-tuning';
import type { TuningConfig } from '../../../analyzer/src/tuning/tuning-config';

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
  maxDialogs?: number;
  /** Site knowledge from `--config` (site:); signatures that need it are skipped without it. */
  site?: SiteConfig;
  /** `tuning:` / `suppress:` from `--config` (config/README.md "Tuning"). */
  tuning?: TuningConfig;
  /** `--state FILE`: what baseline signatures learned, read at start (when present) and written at the end. */
  stateFile?: string;
  /** `--campaigns FILE`: campaign documents as JSONL, written at the end; the stream is ended. */
  campaignsOut?: Writable;
  /** `--calls FILE`: call records as JSONL; the stream is ended when done. */
  callsOut?: Writable;
  /** `--sip-log FILE`: one SIP transaction record per line; the stream is ended when done. */
  sipLogOut?: Writable;
  /** Which transactions `sipLogOut` gets (default `all`). */
  sipLogMode?: SipLogMode;
}

export interface AnalyzeSummary {
  decode: DecodeSummary;
  signatures: number;
  /** Left out for lack of site knowledge. */
  skipped_for_site: string[];
  alerts: number;
  alerts_by_rule: Record<string, number>;
  engine: Omit<EngineStats, 'alertsByRule'>;
  /** Campaigns the alerts form (every alert carries its `sipward.campaign.id`). */
  campaigns: number;
  /** Only with `callsOut`. */
  calls?: CallTrackerStats;
  /** Only with `sipLogOut`. */
  sip_log?: TransactionLogStats & { written: number; mode: SipLogMode };
}

/**
 * Ended calls are held until every window that may count them has passed, so an incident that
 * crosses late (FRD-04 counts calls over 10 min) still reaches the records of the calls it counted.
 */
function callLingerS(signatures: readonly Signature[]): number {
  let windowMs = 0;
  // The tuned signatures: a site may lengthen a window.
  for (const signature of signatures) windowMs = Math.max(windowMs, signature.windowMs ?? 0);
  return Math.min(3600, Math.max(32, windowMs / 1000));
}

export async function runAnalyze(options: AnalyzeOptions): Promise<AnalyzeSummary> {
  // With threads, the decode worker starts first: its bootstrap and first batches overlap the
  // signature loading below; it is stopped if that fails.
  const threaded = decodesInWorker(options) ? startDecodeWorker(options) : undefined;
  try {
    return await analyzeWith(options, threaded);
  } catch (error) {
    await threaded?.stop();
    throw error;
  }
}

async function analyzeWith(options: AnalyzeOptions, threaded: StartedDecode | undefined): Promise<AnalyzeSummary> {
  // Signatures load (and fail) before any event is taken: a bad rule file is a usage error.
  const loaded = loadSignatures({ extraDirs: options.rulesDirs });
  const { signatures } = applyTuning(loaded, options.tuning, options.site);
  for (const s of options.tuning?.expired ?? []) {
    options.log.warn(
      { suppress: s.origin, reason: s.reason },
      `suppress entry ${s.origin} has expired and is not applied`,
    );
  }
  const writer = new JsonlWriter(options.out);
  if (options.header !== undefined) writer.writeLine(options.header);
  let alerts = 0;
  const campaigns = new CampaignBook({ ...(options.site !== undefined ? { isRelay: relaysOf(options.site) } : {}) });
  const callsWriter = options.callsOut === undefined ? undefined : new JsonlWriter(options.callsOut);
  const tracker =
    callsWriter === undefined
      ? undefined
      : new CallTracker({
          onCall: (record) => callsWriter.writeLine(JSON.stringify(record) + '\n'),
          lingerS: callLingerS(signatures),
        });
  const sipLog = sipLogOf(options, signatures);
  const engine = new DetectionEngine(signatures, {
    emitUpdates: false,
    ...(options.maxGroupsPerSignature !== undefined ? { maxGroupsPerSignature: options.maxGroupsPerSignature } : {}),
    ...(options.maxTransactions !== undefined ? { maxTransactions: options.maxTransactions } : {}),
    ...(options.maxDialogs !== undefined ? { maxDialogs: options.maxDialogs } : {}),
    ...(options.site !== undefined ? { site: options.site } : {}),
    // Each Call-ID an incident counts links its call the moment it is counted (the alert itself is
    // final only after its suppress period, long after most calls were written).
    onIncidentCall: (alertId: string, callId: string) => {
      tracker?.linkCall(alertId, callId);
      sipLog?.filter?.noteCall(callId);
    },
    onAlert: (alert, phase) => {
      sipLog?.filter?.noteAlert(alert);
      if (phase !== 'final') return;
      alerts++;
      campaigns.link(alert);
      writer.writeLine(options.formatAlert(alert));
      publishAlert({ signature: alert.rule.id, id: alert.event.id });
    },
  });
  if (options.stateFile !== undefined) restoreEngineState(engine, options.stateFile);
  const sink: EventSink = {
    onEvent: (event) => {
      // The tracker first: the INVITE that opens an incident must already be a call to link to.
      tracker?.process(event);
      engine.process(event);
      sipLog?.log.process(event);
    },
    afterBatch: async () => {
      await writer.flushIfFull();
      await callsWriter?.flushIfFull();
      await sipLog?.writer.flushIfFull();
    },
  };
  let decode: DecodeSummary;
  if (threaded === undefined) decode = await decodeInputs(options, sink);
  else {
    threaded.attach(sink);
    decode = await threaded.done;
  }
  // After the input opened: a missing capture must stay a one-line error, not a warning and an error.
  if (engine.skippedForSite.length > 0) {
    options.log.warn(
      { signatures: engine.skippedForSite },
      `${engine.skippedForSite.length} signatures need site knowledge (--config with a site: section) and were not run`,
    );
  }
  // Engine first: the alerts it finalises at end of input still reach calls the tracker holds.
  engine.flush();
  tracker?.flush();
  sipLog?.log.flush();
  sipLog?.filter?.flush();
  if (options.stateFile !== undefined) saveEngineState(engine, options.stateFile);
  await writer.close(options.endOutput === true);
  await callsWriter?.close(true);
  await sipLog?.writer.close(true);
  const stories = campaigns.campaigns();
  if (options.campaignsOut !== undefined) {
    const campaignsWriter = new JsonlWriter(options.campaignsOut);
    for (const c of stories) campaignsWriter.writeLine(JSON.stringify(c) + '\n');
    await campaignsWriter.close(true);
    if (campaignsWriter.error !== undefined) throw campaignsWriter.error;
  }
  for (const w of [writer, callsWriter, sipLog?.writer]) {
    if (w?.error !== undefined && (w.error as NodeJS.ErrnoException).code !== 'EPIPE') throw w.error;
  }
  const { alertsByRule, ...engineStats } = engine.stats();
  return {
    decode,
    signatures: loaded.length - engine.skippedForSite.length,
    skipped_for_site: engine.skippedForSite,
    alerts,
    alerts_by_rule: alertsByRule,
    campaigns: stories.length,
    engine: engineStats,
    ...(tracker !== undefined ? { calls: tracker.stats() } : {}),
    ...(sipLog !== undefined
      ? { sip_log: { ...sipLog.log.stats(), written: sipLog.written(), mode: sipLog.mode } }
      : {}),
  };
}

interface SipLogWiring {
  log: SipTransactionLog;
  writer: JsonlWriter;
  filter: AlertedTransactionFilter | undefined;
  mode: SipLogMode;
  written: () => number;
}

/** The transaction log of `--sip-log`, filtered to alerting sources and dialogs in `alerted` mode. */
function sipLogOf(options: AnalyzeOptions, signatures: readonly Signature[]): SipLogWiring | undefined {
  const mode = options.sipLogMode ?? 'all';
  if (options.sipLogOut === undefined || mode === 'none') return undefined;
  const writer = new JsonlWriter(options.sipLogOut);
  let written = 0;
  const write = (record: SipTransaction): void => {
    written++;
    writer.writeLine(JSON.stringify(record) + '\n');
  };
  const filter = mode === 'alerted' ? new AlertedTransactionFilter(callLingerS(signatures) * 1000, write) : undefined;
  const log = new SipTransactionLog({ onTransaction: filter !== undefined ? (r) => filter.add(r) : write });
  return { log, writer, filter, mode, written: () => written };
}
