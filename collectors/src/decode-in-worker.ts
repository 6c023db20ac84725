//! `analyze --threads N` on capture files: the whole decode (capture → packets → SIP → JSON lines)
//! runs in a worker (decode-worker.ts) so this thread is left to the caller's sink (detection).
//! Lines come back in capture order in transferred UTF-8 chunks and are parsed here into events;
//! the worker runs its remaining N-2 threads as parse workers. Same events, same order as on one thread.
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
}

/** Worker → main. `lines` is acknowledged with 'ack' once the sink took it (back-pressure). */
export type DecodeWorkerMessage =
  | { type: 'lines'; chunk: Uint8Array }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; summary: DecodeSummary }
  | { type: 'error'; message: string; code?: SipwardErrorCode; stack?: string };

export async function decodeInWorker(options: DecodeInputOptions, sink: EventSink): Promise<DecodeSummary> {
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
  };
  const worker = new Worker(script, { workerData: config });
  let queue = Promise.resolve();
  let failure: unknown;
  let finished = false;
  return new Promise<DecodeSummary>((resolve, reject) => {
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
