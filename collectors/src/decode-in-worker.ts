//! `analyze --threads N` on capture files: the whole decode (capture → packets → SIP → JSON lines)
//! runs in a worker (decode-worker.ts) so this thread is left to the caller's sink (detection).
//! Lines come back in capture order in transferred UTF-8 chunks and are parsed here into events;
//! the worker runs its remaining N-2 threads as parse workers. Same events, same order as on one thread.
//! `startDecodeWorker` starts it before the caller is ready for events (analyze loads its signatures
//! meanwhile), so the worker's bootstrap and first batches overlap that set-up.
import { Worker } from 'node:worker_threads';
import type { LevelWithSilent } from 'pino';
import type { SipEvent } from '../../schema/src/sip-event';
import { SipwardError, type SipwardErrorCode } from '../../lib/src/errors';
import type { DecodeInputOptions, DecodeSummary, EventSink } from './decode';
import { workerScript } from './parallel-decode';

/** What the decode worker needs: the capture files and how to decode them (plain data only). */
export interface DecodeWorkerConfig {
  options: Pick<
    DecodeInputOptions,
    'captures' | 'threads' | 'sip' | 'packet' | 'dedup' | 'withHeaders' | 'withRaw' | 'observerId' | 'interfaceName'
  >;
  logLevel: LevelWithSilent;
  /** Chunks posted without acknowledgement before the first one is acknowledged (the sink is attached). */
  startupChunks?: number;
}

/** Worker → main. `lines` is acknowledged with 'ack' once the sink took it (back-pressure). */
export type DecodeWorkerMessage =
  | { type: 'lines'; chunk: Uint8Array }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; summary: DecodeSummary }
  | { type: 'error'; message: string; code?: SipwardErrorCode; stack?: string };

/** Chunks the worker may run ahead before the sink is attached (each ≤ ~1 MiB of JSON lines). */
export const STARTUP_CHUNKS = 32;

export async function decodeInWorker(options: DecodeInputOptions, sink: EventSink): Promise<DecodeSummary> {
  const started = startDecodeWorker(options);
  started.attach(sink);
  return started.done;
}

/** A decode worker started ahead of its sink. */
export interface StartedDecode {
  /** Where events go; chunks that arrived before wait for it (STARTUP_CHUNKS at most). */
  attach(sink: EventSink): void;
  /** Settles with the summary once every event reached the attached sink. */
  done: Promise<DecodeSummary>;
  /** Ends the worker early (the caller's set-up failed); `done` then never settles. */
  stop(): Promise<void>;
}

export function startDecodeWorker(options: DecodeInputOptions): StartedDecode {
  const script = workerScript('decode-worker');
  if (script === undefined) throw new Error('decode-worker.js is missing: run npm run build');
  const { log, onProgress } = options;
  const config: DecodeWorkerConfig = {
    options: {
      captures: options.captures,
      // This thread is one of the N: the worker gets N-1, of which it keeps one for itself.
      threads: Math.max(1, (options.threads ?? 1) - 1),
      ...(options.sip !== undefined ? { sip: options.sip } : {}),
      ...(options.packet !== undefined ? { packet: options.packet } : {}),
      ...(options.dedup !== undefined ? { dedup: options.dedup } : {}),
      ...(options.withHeaders !== undefined ? { withHeaders: options.withHeaders } : {}),
      ...(options.withRaw !== undefined ? { withRaw: options.withRaw } : {}),
      ...(options.observerId !== undefined ? { observerId: options.observerId } : {}),
      ...(options.interfaceName !== undefined ? { interfaceName: options.interfaceName } : {}),
    },
    logLevel: log.level as LevelWithSilent,
    startupChunks: STARTUP_CHUNKS,
  };
  const worker = new Worker(script, { workerData: config });
  let attachSink: (sink: EventSink) => void = () => undefined;
  const attached = new Promise<EventSink>((resolve) => (attachSink = resolve));
  // Messages wait in this chain until the sink is attached, then are taken in arrival order.
  let queue: Promise<unknown> = attached;
  let failure: unknown;
  let finished = false;
  const done = new Promise<DecodeSummary>((resolve, reject) => {
    const fail = (error: unknown): void => {
      if (finished) return;
      finished = true;
      failure = error;
      void worker.terminate();
      reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!finished) fail(new Error(`decode worker exited with ${code} before it was done`));
    });
    worker.on('message', (message: DecodeWorkerMessage) => {
      // Chained so each chunk is taken (and its back-pressure awaited) in arrival order.
      queue = queue.then(async () => {
        if (failure !== undefined) return;
        const sink = await attached;
        try {
          switch (message.type) {
            case 'lines':
              deliverLines(message.chunk, sink);
              await sink.afterBatch();
              worker.postMessage('ack');
              break;
            case 'progress':
              onProgress?.(message.done, message.total);
              break;
            case 'done':
              finished = true;
              await worker.terminate();
              resolve(message.summary);
              break;
            case 'error':
              fail(
                message.code !== undefined
                  ? new SipwardError(message.code, message.message)
                  : Object.assign(new Error(message.message), { stack: message.stack }),
              );
              break;
          }
        } catch (error) {
          fail(error);
        }
      });
    });
  });
  return {
    attach: attachSink,
    done,
    stop: async () => {
      finished = true;
      failure ??= new Error('decode worker stopped');
      await worker.terminate();
    },
  };
}

function deliverLines(chunk: Uint8Array, sink: EventSink): void {
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  let start = 0;
  // JSON escapes newlines inside strings: every "\n" ends one event.
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    sink.onEvent(JSON.parse(text.slice(start, end)) as SipEvent);
    start = end + 1;
  }
}
