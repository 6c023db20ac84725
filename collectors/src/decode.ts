//! The collector's input side: capture files (in order, as one stream) or a live interface →
//! SipDecoder → an event sink, with back-pressure between batches, progress and a summary.
//! `runDecode` (sipward decode) sinks into JSONL; `analyze` sinks into the detection engine.
import { statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { SipEvent } from '../../schema/src/sip-event';
import type { Logger } from '../../lib/src/logger';
import { onStopSignals } from '../../lib/src/signals';
import { decodeBatchChannel, publishDecodeBatch } from '../../lib/src/metrics/channels';
import { openCaptureFile } from './capture/capture-file';
import { mergeByTime } from './capture/merge-by-time';
import type { CaptureSource, CaptureStats, CaptureWarning } from './capture/capture-stats';
import { HepInput, type HepStats } from './capture/hep-input';
import { HepListener, type HepEndpoint, type HepListenerStats, type HepTransport } from './capture/hep-listener';
import { LiveCapture } from './capture/live-interface';
import { LivePcapSession, type PcapCaptureStats } from './capture/live-pcap-session';
import { toJsonLine } from './event/jsonl';
import { JsonlWriter } from './publish/jsonl-writer';
import { ParallelMessageDecoder, workerScript } from './parallel-decode';
import { decodeInWorker } from './decode-in-worker';
import { SipDecoder, type SipDecoderOptions, type SipDecoderStats } from './sip-decoder';

/**
 * Live capture library: `cap` (stamps packets at receipt, no kernel drop counters) or `pcap`
 * (node_pcap: kernel timestamps and ps_recv/ps_drop/ps_ifdrop, but the process must exit explicitly
 * after close, see live-pcap-session.ts).
 */
export type LiveCaptureBackend = 'cap' | 'pcap';
export const LIVE_CAPTURE_BACKENDS: readonly LiveCaptureBackend[] = ['cap', 'pcap'];

export interface DecodeInputOptions extends SipDecoderOptions {
  captures: string[];
  /** Live capture instead of files. */
  interface?: string;
  bpf?: string;
  ports?: number[];
  /** Live capture: stop after this many seconds (default: until SIGINT/SIGTERM). */
  durationSeconds?: number;
  /** Live capture backend (default 'cap'). */
  captureBackend?: LiveCaptureBackend;
  /** HEP v3 input instead of files or an interface (stops like live capture). */
  hep?: HepInputEndpoint;
  log: Logger;
  /** Called with (bytesDone, bytesTotal) after every batch of file input. */
  onProgress?: (done: number, total: number) => void;
  /** Called as each stage is created, so metrics can read its live counters (`--metrics-port`). */
  onStage?: (stage: DecodeStage) => void;
  /**
   * `--threads`: above 1, capture files are decoded on several threads (parallel-decode.ts,
   * decode-in-worker.ts) with the same output as 1. Live and HEP input stay on one thread.
   */
  threads?: number;
}

/** The live objects of a decode run whose counters metrics read at scrape time. */
export type DecodeStage =
  | { kind: 'decoder'; decoder: SipDecoder }
  | { kind: 'capture'; stats: Readonly<CaptureStats> }
  | { kind: 'hep'; input: HepInput; listener: HepListener };

export interface HepInputEndpoint extends HepEndpoint {
  transports?: readonly HepTransport[];
  /** Packets must carry this auth key (chunk 0x000e). */
  authKey?: string;
}

export interface DecodeSummary extends SipDecoderStats {
  captures: number;
  capture_warnings: number;
  defrag: Record<string, number>;
  tcp: Record<string, number>;
  decode_drops: Record<string, number>;
  /** Live capture only: the capture counters (kernel ones with the pcap backend). */
  live?: LiveSummary;
  /** HEP input only: packets received, turned into events, and dropped by reason. */
  hep?: HepStats & { listener: HepListenerStats };
  seconds: number;
}

export interface LiveSummary {
  backend: LiveCaptureBackend;
  packets: number;
  /** Packets lost before decoding: queue drops, plus kernel drops with the pcap backend. */
  dropped: number;
  kernel_received?: number;
  kernel_dropped?: number;
  interface_dropped?: number;
}

export interface DecodeRunOptions extends DecodeInputOptions {
  out: Writable;
  /** End the output stream when done (a file; not stdout). */
  endOutput?: boolean;
}

/** Where decoded events go: called per event, and awaited after every batch (back-pressure). */
export interface EventSink {
  onEvent(event: SipEvent): void;
  /**
   * With parse workers, events already serialised as JSON lines (UTF-8) come here instead of
   * through `onEvent` (decode writes them as they are); a sink without it gets events.
   */
  onLines?(chunk: Buffer, lines: number): void;
  afterBatch(): Promise<void>;
}

/** `sipward decode`: every input to JSONL on `options.out`. */
export async function runDecode(options: DecodeRunOptions): Promise<DecodeSummary> {
  const writer = new JsonlWriter(options.out);
  const summary = await decodeInputs(options, {
    onEvent: (event) => writer.writeLine(toJsonLine(event)),
    onLines: (chunk, lines) => writer.writeEncoded(chunk, lines),
    afterBatch: () => writer.flushIfFull(),
  });
  await writer.close(options.endOutput === true);
  if (writer.error !== undefined && (writer.error as NodeJS.ErrnoException).code !== 'EPIPE') throw writer.error;
  return summary;
}

/**
 * Decodes every input into `sink` and resolves with the summary; throws SipwardError for unusable input.
 * With `threads` > 1 on capture files: a sink that takes JSON lines (decode) gets them from parse
 * workers; a sink that takes events (analyze) keeps this thread for itself and the whole decode
 * moves to a worker (decode-in-worker.ts), which spreads its remaining threads over parse workers.
 */
export async function decodeInputs(options: DecodeInputOptions, output: EventSink): Promise<DecodeSummary> {
  const filesOnly = options.interface === undefined && options.hep === undefined;
  if (output.onLines === undefined && decodesInWorker(options)) return decodeInWorker(options, output);
  const sink = observeBatches(output, () => decoder.stats);
  const started = process.hrtime.bigint();
  // Live events name the ingress interface (observer.ingress.interface.name) unless told otherwise.
  // `--ports` names the SIP ports: non-SIP datagrams to them become `not_sip` events.
  const withPorts: SipDecoderOptions = options.ports !== undefined ? { ...options, sipPorts: options.ports } : options;
  const decoderOptions: SipDecoderOptions =
    options.interface !== undefined && options.interfaceName === undefined
      ? { ...withPorts, interfaceName: options.interface }
      : withPorts;
  const parallel: ParallelMessageDecoder | undefined = filesOnly
    ? startParallel(options, decoderOptions, sink, () => decoder.stats)
    : undefined;
  const decoder: SipDecoder = new SipDecoder(
    (event) => sink.onEvent(event),
    parallel === undefined ? decoderOptions : { ...decoderOptions, handOff: (m) => parallel.add(m) },
  );
  options.onStage?.({ kind: 'decoder', decoder });
  let warnings = 0;
  let liveSummary: (() => LiveSummary) | undefined;
  let hepSummary: DecodeSummary['hep'];
  // File warnings name their file: with several captures in one stream, the offset alone is ambiguous.
  const warn = (w: CaptureWarning, file?: string): void => {
    warnings++;
    if (file === undefined) options.log.warn({ code: w.code, offset: w.offset }, w.message);
    else options.log.warn({ code: w.code, file, offset: w.offset }, `${file}: ${w.message}`);
  };
  const onWarning = (w: CaptureWarning): void => warn(w);

  if (options.hep !== undefined) {
    hepSummary = await receiveHep(options.hep, options, decoder, sink);
  } else if (options.interface !== undefined) {
    const backend = options.captureBackend ?? 'cap';
    const liveOptions = {
      interface: options.interface,
      ...(options.bpf !== undefined ? { filter: options.bpf } : {}),
      ...(options.ports !== undefined ? { ports: options.ports } : {}),
      onWarning,
      onStats: (stats: Readonly<CaptureStats>) => options.log.info({ capture: stats }, 'capture stats'),
    };
    const live = backend === 'pcap' ? LivePcapSession.open(liveOptions) : LiveCapture.open(liveOptions);
    liveSummary = () => summariseLive(backend, live.stats);
    options.onStage?.({ kind: 'capture', stats: live.stats });
    options.log.info({ interface: options.interface, backend, filter: live.filter }, 'listening');
    const stop = (): void => void live.close();
    const unwireSignals = onStopSignals(stop, { once: true });
    const timer = options.durationSeconds === undefined ? undefined : setTimeout(stop, options.durationSeconds * 1000);
    try {
      await pump(live, decoder, () => sink.afterBatch());
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      unwireSignals();
    }
  } else {
    const afterBatch =
      parallel === undefined
        ? () => sink.afterBatch()
        : async (): Promise<void> => {
            await parallel.drain();
            await sink.afterBatch();
          };
    try {
      const total = options.captures.reduce((sum, path) => sum + sizeOf(path), 0);
      if (options.captures.length <= 1) {
        let done = 0;
        for (const path of options.captures) {
          const source = await openCaptureFile(path, { onWarning: (w) => warn(w, path) });
          options.onStage?.({ kind: 'capture', stats: source.stats });
          await pump(source, decoder, afterBatch, (bytes) => {
            options.onProgress?.(done + bytes, total);
          });
          done += sizeOf(path);
        }
      } else {
        // Several files: merged by capture time (mergecap), so the order they are named in never
        // changes the result. Every file is opened first: a bad path fails before any output.
        const sources: CaptureSource[] = [];
        try {
          for (const path of options.captures) {
            const source = await openCaptureFile(path, { onWarning: (w) => warn(w, path) });
            options.onStage?.({ kind: 'capture', stats: source.stats });
            sources.push(source);
          }
          for await (const batch of mergeByTime(sources)) {
            for (const packet of batch) decoder.push(packet);
            await afterBatch();
            options.onProgress?.(
              sources.reduce((sum, x) => sum + x.stats.bytes, 0),
              total,
            );
          }
        } finally {
          for (const x of sources) await x.close();
        }
      }
      decoder.flush();
      await parallel?.finish();
    } catch (error) {
      await parallel?.abort();
      throw error;
    }
  }
  // Files flushed above, before their parse workers were finished.
  if (!filesOnly) decoder.flush();

  const packetCounters = decoder.packetDecoder.counters as unknown as Record<string, number>;
  const drops: Record<string, number> = {};
  for (const [key, value] of Object.entries(packetCounters))
    if (value > 0 && !['packets', 'segments', 'udp', 'tcp', 'sctp'].includes(key)) drops[key] = value;
  return {
    ...decoder.stats,
    captures: options.captures.length,
    capture_warnings: warnings,
    defrag: nonZero(decoder.packetDecoder.defragmenter.counters as unknown as Record<string, number>),
    tcp: nonZero(decoder.tcp.counters as unknown as Record<string, number>),
    decode_drops: drops,
    ...(liveSummary !== undefined ? { live: liveSummary() } : {}),
    ...(hepSummary !== undefined ? { hep: hepSummary } : {}),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/**
 * Whether an event sink's decode of `options` moves to a worker (decode-in-worker.ts): capture
 * files, more than one thread, no live stage counters to read, and the compiled worker present.
 */
export function decodesInWorker(options: DecodeInputOptions): boolean {
  return (
    (options.threads ?? 1) > 1 &&
    options.interface === undefined &&
    options.hep === undefined &&
    options.onStage === undefined &&
    workerScript('decode-worker') !== undefined
  );
}

/** HEP input until SIGINT/SIGTERM or --duration: every packet through HepInput into the decoder. */
async function receiveHep(
  endpoint: HepInputEndpoint,
  options: DecodeInputOptions,
  decoder: SipDecoder,
  sink: EventSink,
): Promise<NonNullable<DecodeSummary['hep']>> {
  const listener = await HepListener.open(endpoint);
  const input = new HepInput(decoder, endpoint.authKey !== undefined ? { authKey: endpoint.authKey } : {});
  options.onStage?.({ kind: 'hep', input, listener });
  options.log.info(
    { hep: `${endpoint.host}:${endpoint.port}`, transports: endpoint.transports ?? ['udp', 'tcp'] },
    'listening for HEP',
  );
  const stop = (): void => void listener.close();
  const unwireSignals = onStopSignals(stop, { once: true });
  const timer = options.durationSeconds === undefined ? undefined : setTimeout(stop, options.durationSeconds * 1000);
  try {
    for await (const batch of listener) {
      for (const packet of batch) input.push(packet);
      await sink.afterBatch();
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    unwireSignals();
    await listener.close();
  }
  return { ...input.stats, listener: { ...listener.stats } };
}

/**
 * The sink, publishing one `sipward:decode-batch` message after each capture batch (the counts of
 * that batch): per batch rather than per message, so that the hook costs nothing measurable.
 */
function observeBatches(sink: EventSink, stats: () => SipDecoderStats): EventSink {
  let packets = 0;
  let sipMessages = 0;
  const afterBatch = (): Promise<void> => {
    if (decodeBatchChannel.hasSubscribers) {
      const now = stats();
      publishDecodeBatch({ packets: now.packets - packets, sipMessages: now.sip_messages - sipMessages });
      packets = now.packets;
      sipMessages = now.sip_messages;
    }
    return sink.afterBatch();
  };
  const onEvent = (event: SipEvent): void => sink.onEvent(event);
  const onLines = sink.onLines?.bind(sink);
  return onLines === undefined ? { onEvent, afterBatch } : { onEvent, onLines, afterBatch };
}

async function pump(
  source: CaptureSource,
  decoder: SipDecoder,
  afterBatch: () => Promise<void>,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  for await (const batch of source) {
    for (const packet of batch) decoder.push(packet);
    await afterBatch();
    onBytes?.(source.stats.bytes);
  }
}

/** Parse workers when more than one thread is asked for, the sink takes lines and the build has the worker. */
function startParallel(
  options: DecodeInputOptions,
  decoderOptions: SipDecoderOptions,
  sink: EventSink,
  stats: () => SipDecoderStats,
): ParallelMessageDecoder | undefined {
  const threads = options.threads ?? 1;
  const onLines = sink.onLines;
  if (threads <= 1 || onLines === undefined) return undefined;
  const script = workerScript('parse-worker');
  if (script === undefined) {
    options.log.warn({ threads }, 'parse workers need the compiled build (npm run build); decoding on one thread');
    return undefined;
  }
  const decode = {
    ...(decoderOptions.sip !== undefined ? { sip: decoderOptions.sip } : {}),
    ...(decoderOptions.observerId !== undefined ? { observerId: decoderOptions.observerId } : {}),
    ...(decoderOptions.interfaceName !== undefined ? { interfaceName: decoderOptions.interfaceName } : {}),
    ...(decoderOptions.withHeaders === true ? { withHeaders: true } : {}),
    ...(decoderOptions.withRaw === true ? { withRaw: true } : {}),
  };
  return new ParallelMessageDecoder(threads, script, decode, {
    onLines,
    onCounters: (counters) => {
      const total = stats();
      total.sip_messages += counters.sip_messages;
      total.sip_messages_with_anomalies += counters.sip_messages_with_anomalies;
      for (const [code, n] of Object.entries(counters.anomalies) as [keyof typeof counters.anomalies, number][])
        total.anomalies[code] = (total.anomalies[code] ?? 0) + n;
    },
  });
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function nonZero(counters: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(counters)) if (typeof value === 'number' && value > 0) out[key] = value;
  return out;
}

function summariseLive(backend: LiveCaptureBackend, stats: Readonly<CaptureStats>): LiveSummary {
  const out: LiveSummary = { backend, packets: stats.packets, dropped: stats.dropped };
  if ('kernelReceived' in stats) {
    const k = stats as Readonly<PcapCaptureStats>;
    out.kernel_received = k.kernelReceived;
    out.kernel_dropped = k.kernelDropped;
    out.interface_dropped = k.interfaceDropped;
  }
  return out;
}
