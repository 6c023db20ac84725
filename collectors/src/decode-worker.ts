//! The decode worker of `analyze --threads N` (decode-in-worker.ts): decodeInputs on capture files,
//! events serialised to JSON lines and posted in UTF-8 chunks (transferred), at most a few chunks
//! ahead of the main thread's acknowledgements.
import { parentPort, workerData } from 'node:worker_threads';
import { isSipwardError } from '../../lib/src/errors';
import { createLogger } from '../../lib/src/logger';
import { decodeInputs } from './decode';
import type { DecodeWorkerConfig, DecodeWorkerMessage } from './decode-in-worker';
import { toJsonLine } from './event/jsonl';

/** Chunks posted and not yet acknowledged before the reader waits. */
const MAX_UNACKED = 4;
/** Post when this much text is pending (and at the end of every capture batch). */
const CHUNK_CHARS = 1 << 20;

const config = workerData as DecodeWorkerConfig;
const port = parentPort;
let pending: string[] = [];
let pendingChars = 0;
let unacked = 0;
/** Until the first acknowledgement the main thread is still setting up: run further ahead. */
let mayRunAhead = config.startupChunks ?? MAX_UNACKED;
let wake: (() => void) | undefined;

port?.on('message', () => {
  mayRunAhead = MAX_UNACKED;
  unacked--;
  const w = wake;
  wake = undefined;
  w?.();
});

function post(message: DecodeWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function postPending(): void {
  if (pending.length === 0) return;
  const chunk = Buffer.from(pending.join(''), 'utf8');
  pending = [];
  pendingChars = 0;
  postChunk(chunk);
}

function postChunk(chunk: Buffer): void {
  unacked++;
  // Buffer.from may share a pooled ArrayBuffer for small strings: transfer only one of our own.
  if (chunk.byteLength === chunk.buffer.byteLength) post({ type: 'lines', chunk }, [chunk.buffer as ArrayBuffer]);
  else post({ type: 'lines', chunk });
}

function addText(text: string): void {
  pending.push(text);
  pendingChars += text.length;
  if (pendingChars >= CHUNK_CHARS) postPending();
}

async function run(): Promise<void> {
  try {
    const summary = await decodeInputs(
      {
        ...config.options,
        log: createLogger(config.logLevel, 'sipward-decode-worker'),
        onProgress: (done, total) => post({ type: 'progress', done, total }),
      },
      {
        onEvent: (event) => addText(toJsonLine(event)),
        // From this worker's own parse workers: already UTF-8, passed on as they are.
        onLines: (chunk) => {
          postPending();
          postChunk(chunk);
        },
        afterBatch: async () => {
          postPending();
          while (unacked > mayRunAhead) await new Promise<void>((resolve) => (wake = resolve));
        },
      },
    );
    postPending();
    post({ type: 'done', summary });
  } catch (error) {
    if (isSipwardError(error)) post({ type: 'error', message: error.message, code: error.code });
    else if (error instanceof Error)
      post({ type: 'error', message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}) });
    else post({ type: 'error', message: String(error) });
  }
}

void run();
