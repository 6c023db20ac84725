//! A parse worker of `--threads N` (parallel-decode.ts): SIP message bytes + metadata → SipEvent →
//! JSON lines (UTF-8), one batch at a time (batch-decode.ts), answered in the order received.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBatch, type MessageBatch } from './batch-decode';
import type { ParseWorkerData } from './parallel-decode';
import { SipMessageDecoder } from './sip-message';

const data = workerData as ParseWorkerData;
const decoder = new SipMessageDecoder(data.options);
const finished = new Int32Array(data.finished);

parentPort?.on('message', (batch: MessageBatch) => {
  const result = decodeBatch(decoder, batch);
  // Seen by the reading thread at once, before this answer reaches it.
  Atomics.add(finished, 0, 1);
  // Buffer.from(string) may share a pooled ArrayBuffer: transfer only a buffer of our own.
  const lines = result.lines;
  if (lines.byteLength === lines.buffer.byteLength) {
    parentPort?.postMessage(result, [lines.buffer as ArrayBuffer]);
  } else parentPort?.postMessage(result);
});
