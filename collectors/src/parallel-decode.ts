//! `--threads N`: the packet half of the decode chain (capture, link/IP, defrag, dedup, TCP
//! reassembly) stays on the calling thread, and the message half (SIP parse → SipEvent → JSON line),
//! which is stateless per message, runs in N − 1 parse workers (parse-worker.ts) and on the calling
//! thread itself whenever the workers have enough queued (it would otherwise wait for them). Messages
//! travel in batches (their bytes copied into one transferred buffer, their metadata in typed-array
//! columns); JSON lines are delivered in batch order, whoever decoded them, so the output is the same
//! as on one thread, byte for byte.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  decodeBatch,
  PROTOCOLS,
  TRANSPORTS,
  type BatchExtra,
  type BatchResult,
  type MessageBatch,
} from './batch-decode';
import { SipMessageDecoder, type MessageCounters, type MessageDecodeOptions, type RawSipMessage } from './sip-message';

const BATCH_MESSAGES = 1024;
const BATCH_BYTES = 1 << 20;
/** Batches queued per worker before the reader waits: enough to keep workers busy, bounded memory. */
const IN_FLIGHT_PER_WORKER = 6;
/** Batches a worker holds (one decoding, two waiting) from which this thread decodes the next itself. */
const DECODE_HERE_AT = 3;

/** What a parse worker is started with: how to decode, and where it counts the batches it finished. */
export interface ParseWorkerData {
  options: MessageDecodeOptions;
  /** Int32 [0]: batches decoded, readable here while this thread is busy (its messages wait till then). */
  finished: SharedArrayBuffer;
}
/** Ceiling for the default thread count: past it the reading thread is the bottleneck. */
export const MAX_DEFAULT_THREADS = 4;

/** The compiled worker script; absent when running from TypeScript sources (tsx). */
export function workerScript(name: 'parse-worker' | 'decode-worker'): string | undefined {
  const path = join(__dirname, `${name}.js`);
  return existsSync(path) ? path : undefined;
}

export interface ParallelSink {
  /** A batch of JSON lines (UTF-8), in order, and how many lines it holds. */
  onLines(chunk: Buffer, lines: number): void;
  /** Counters of each delivered batch (merged into the decode summary). */
  onCounters(counters: MessageCounters): void;
}

export class ParallelMessageDecoder {
  private readonly workers: Worker[] = [];
  /** Per worker: batches sent, and batches it finished (shared counter). */
  private readonly sent: number[] = [];
  private readonly finished: Int32Array[] = [];
  /** This thread's own decoder, for the batches it takes while the workers are busy. */
  private readonly here: SipMessageDecoder;
  /** Batches this thread decoded itself (the rest went to workers). */
  decodedHere = 0;
  private nextSeq = 0;
  private nextDelivery = 0;
  private readonly ready = new Map<number, BatchResult>();
  private failure: Error | undefined;
  private wakeUp: (() => void) | undefined;
  // The batch being filled.
  private bytes = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private count = 0;
  private offsets = new Uint32Array(BATCH_MESSAGES + 1);
  private tsSec = new Float64Array(BATCH_MESSAGES);
  private tsNsec = new Uint32Array(BATCH_MESSAGES);
  private ports = new Uint16Array(BATCH_MESSAGES * 2);
  private flags = new Uint8Array(BATCH_MESSAGES);
  private srcIp: string[] = [];
  private dstIp: string[] = [];
  private eventIds: string[] = [];
  private extras: BatchExtra[] = [];

  /** @param threads all threads, this one included: `threads` − 1 parse workers are started. */
  constructor(
    threads: number,
    script: string,
    options: MessageDecodeOptions,
    private readonly sink: ParallelSink,
  ) {
    this.here = new SipMessageDecoder(options);
    for (let i = 0; i < Math.max(1, threads - 1); i++) {
      const finished = new SharedArrayBuffer(4);
      const data: ParseWorkerData = { options, finished };
      const worker = new Worker(script, { workerData: data });
      this.sent.push(0);
      this.finished.push(new Int32Array(finished));
      worker.on('message', (result: BatchResult) => this.received(result));
      worker.on('error', (error: Error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && this.nextDelivery < this.nextSeq) this.fail(new Error(`parse worker exited with ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** Queues one message (its bytes are copied now: the caller may reuse its buffers). */
  add(m: RawSipMessage): void {
    const length = m.data.length;
    if (this.count === BATCH_MESSAGES || (this.count > 0 && this.used + length > this.bytes.length)) this.send();
    if (length > this.bytes.length) this.bytes = Buffer.allocUnsafe(length);
    const i = this.count++;
    m.data.copy(this.bytes, this.used);
    this.offsets[i] = this.used;
    this.used += length;
    this.offsets[i + 1] = this.used;
    const meta = m.meta;
    this.tsSec[i] = meta.tsSec;
    this.tsNsec[i] = meta.tsNsec;
    this.ports[2 * i] = meta.srcPort;
    this.ports[2 * i + 1] = meta.dstPort;
    this.flags[i] =
      TRANSPORTS.indexOf(m.transport) | (PROTOCOLS.indexOf(meta.protocol) << 3) | (m.missingContentLength ? 32 : 0);
    this.srcIp.push(meta.srcIp);
    this.dstIp.push(meta.dstIp);
    this.eventIds.push(m.datagramEventId ?? '');
    if (meta.vlan.length > 0 || meta.tunnel.length > 0 || m.streamAnomalies.length > 0 || m.hep !== undefined) {
      this.extras.push({
        index: i,
        vlan: [...meta.vlan],
        tunnel: [...meta.tunnel],
        anomalies: [...m.streamAnomalies],
        ...(m.hep !== undefined ? { hep: m.hep } : {}),
      });
    }
  }

  /** Sends the partial batch, then waits until few enough batches are in flight (back-pressure). */
  async drain(): Promise<void> {
    this.send();
    while (this.nextSeq - this.nextDelivery > this.workers.length * IN_FLIGHT_PER_WORKER) await this.wait();
    if (this.failure) throw this.failure;
  }

  /** Stops the workers without waiting for results (the input failed). */
  async abort(): Promise<void> {
    this.failure ??= new Error('aborted');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Everything sent is delivered; the workers end. */
  async finish(): Promise<void> {
    try {
      this.send();
      while (this.nextDelivery < this.nextSeq && this.failure === undefined) await this.wait();
      if (this.failure) throw this.failure;
    } finally {
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
  }

  private send(): void {
    if (this.count === 0 || this.failure) return;
    const n = this.count;
    // A fresh ArrayBuffer holding exactly this batch's bytes, transferred (not copied) to the worker.
    const bytes = new ArrayBuffer(this.used);
    new Uint8Array(bytes).set(this.bytes.subarray(0, this.used));
    const batch: MessageBatch = {
      seq: this.nextSeq++,
      bytes,
      offsets: this.offsets.slice(0, n + 1),
      tsSec: this.tsSec.slice(0, n),
      tsNsec: this.tsNsec.slice(0, n),
      ports: this.ports.slice(0, 2 * n),
      flags: this.flags.slice(0, n),
      srcIp: this.srcIp,
      dstIp: this.dstIp,
      eventIds: this.eventIds,
      extras: this.extras,
    };
    this.count = 0;
    this.used = 0;
    this.srcIp = [];
    this.dstIp = [];
    this.eventIds = [];
    this.extras = [];
    // The least busy worker; if even it has a batch waiting, decoding here beats waiting for it
    // (delivery stays in batch order whoever decodes).
    let w = 0;
    let least = Infinity;
    for (let i = 0; i < this.workers.length; i++) {
      const held = (this.sent[i] as number) - Atomics.load(this.finished[i] as Int32Array, 0);
      if (held < least) {
        least = held;
        w = i;
      }
    }
    if (least >= DECODE_HERE_AT) {
      this.decodedHere++;
      this.received(decodeBatch(this.here, batch));
      return;
    }
    this.sent[w] = (this.sent[w] as number) + 1;
    const worker = this.workers[w] as Worker;
    const columns = [batch.offsets, batch.tsSec, batch.tsNsec, batch.ports, batch.flags];
    worker.postMessage(batch, [bytes, ...columns.map((c) => c.buffer as ArrayBuffer)]);
  }

  private received(result: BatchResult): void {
    this.ready.set(result.seq, result);
    try {
      for (let r = this.ready.get(this.nextDelivery); r !== undefined; r = this.ready.get(this.nextDelivery)) {
        this.ready.delete(this.nextDelivery);
        this.nextDelivery++;
        this.deliver(r);
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
    this.wake();
  }

  private deliver(result: BatchResult): void {
    this.sink.onCounters(result.counters);
    const chunk = Buffer.from(result.lines.buffer, result.lines.byteOffset, result.lines.byteLength);
    this.sink.onLines(chunk, result.counters.sip_messages);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }
}
