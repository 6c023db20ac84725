//! `npm run bench -- --only stages`: the analyzer's two pipeline stages in one process, without
//! Kafka or Elasticsearch, on the pipeline bench's realistic capture (SIPWARD_BENCH_PIPELINE_MESSAGES,
//! default 200k here). Input records are built as `collect` writes them (4 partitions by Call-ID,
//! batches of 500 lines); the dialog tasks' keyed records go to 4 detect tasks with the watermark
//! ticks the daemon would send, batch by batch. Each stage's time is measured on its own, with the
//! single-process engine (`analyze`'s detection on the same events) as the peer of the same run,
//! and the alerts of the stages are checked against the engine's (ids and counts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Alert } from '../schema/src/alert';
import type { SipEvent } from '../schema/src/sip-event';
import { CONTENT_TYPE_EVENT_BATCH, encodeEventBatch } from '../schema/src/event-records';
import type { KafkaMessage } from '../lib/src/kafka/client';
import { keyPartition } from '../lib/src/kafka/client';
import { createLogger } from '../lib/src/logger';
import { kafkaMessage as record } from '../lib/src/test-support/kafka-message';
import { toJsonLine } from '../collectors/src/event/jsonl';
import { decodeInputs } from '../collectors/src/decode';
import { compileSignature } from '../analyzer/src/engine/compile/compile-signature';
import { DetectionEngine } from '../analyzer/src/engine/engine';
import { loadSignatures } from '../analyzer/src/engine/load/load-signatures';
import { activeSignatures } from '../analyzer/src/pipeline/analyzer-daemon';
import type { DetectTask } from '../analyzer/src/pipeline/detect-stage';
import type { DialogTask, KeyedOut } from '../analyzer/src/pipeline/dialog-stage';
import { inMemoryStages } from './stage-tasks';

const PARTITIONS = 4;
const KEYED = 4;
const EVENTS_PER_RECORD = 500;
const LATENESS_MS = 100;

export interface StageRow {
  name: string;
  value: string;
}

/** What `collect` writes: per partition (Call-ID key), records of EVENTS_PER_RECORD JSON lines. */
function inputRecords(events: readonly SipEvent[]): KafkaMessage[][] {
  const lines: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const e of events) {
    const p = keyPartition('sip.events', e.sip.call_id ?? e.event.id, PARTITIONS);
    (lines[p] as string[]).push(toJsonLine(e).slice(0, -1));
  }
  return lines.map((ls) => {
    const out: KafkaMessage[] = [];
    for (let i = 0; i < ls.length; i += EVENTS_PER_RECORD)
      out.push(record(out.length, encodeEventBatch(ls.slice(i, i + EVENTS_PER_RECORD)), CONTENT_TYPE_EVENT_BATCH));
    return out;
  });
}

function summary(alerts: ReadonlyMap<string, Alert>): string {
  return [...alerts.entries()]
    .map(([id, a]) => `${id}:${a.sipward.count}`)
    .sort()
    .join(',');
}

/** Alert documents whose JSON differs from the engine's (same id), by signature. */
function differing(alerts: ReadonlyMap<string, Alert>, reference: ReadonlyMap<string, Alert>): string[] {
  const out: string[] = [];
  for (const [id, a] of reference) {
    const b = alerts.get(id);
    if (b === undefined || JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(a.rule.id);
      if (process.env.SIPWARD_BENCH_STAGES_DIFF === '1')
        process.stderr.write(`${JSON.stringify(a, null, 1)}\n----\n${JSON.stringify(b, null, 1)}\n`);
    }
  }
  return out;
}

// The live heap is read after a full collection: without it the figure is whatever garbage the
// last minor GCs left (it swung 0.2–1.9 GiB between runs of the same build).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap (MiB), after a full collection. */
function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function runStageBenchmarks(capture: string): Promise<StageRow[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [capture], log: createLogger('silent') },
    { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
  );
  const loaded = activeSignatures(loadSignatures({ extraDirs: [] }), false);
  const compiled = loaded.map((s) => compileSignature(s.signature));
  const inputs = inputRecords(events);

  // Peer: the single-process engine on the same events (what `analyze` runs after decoding).
  const reference = new Map<string, Alert>();
  const e0 = performance.now();
  const engine = new DetectionEngine(loaded, {
    emitUpdates: false,
    onAlert: (a) => void reference.set(a.event.id, a),
  });
  for (const e of events) engine.process(e);
  engine.flush();
  const engineSeconds = (performance.now() - e0) / 1000;
  const n = events.length;
  // The stages run on the input records alone: a heap full of decoded events would inflate their GC.
  events.length = 0;

  const alerts = new Map<string, Alert>();
  const { keyed, dialogs, detects } = inMemoryStages(compiled, loaded, PARTITIONS, KEYED, (list) => {
    for (const a of list) alerts.set(a.event.id, a);
  });
  const keyedOffsets = new Array<number>(KEYED).fill(0);
  let dialogMs = 0;
  let detectMs = 0;
  let keyedBytes = 0;
  let keyedEvents = 0;
  const rounds = Math.max(...inputs.map((r) => r.length));
  // Heap and state at 25/50/75/100 % of the input: flat or growing with the run?
  const quarters: string[] = [];
  const stateAt = (): string => {
    let dialogState = 0;
    let detectState = 0;
    let buffered = 0;
    for (const d of dialogs) dialogState += d.stateSize();
    for (const d of detects) {
      detectState += d.engineState().entries;
      buffered += d.inspect().buffered;
    }
    return `${heapMiB().toFixed(0)} MiB (state ${dialogState} / ${detectState}, buffered ${buffered})`;
  };
  const feedDetect = async (idle: boolean): Promise<void> => {
    const t0 = performance.now();
    const ticks = dialogs.map((d, p) => {
      const t = d.deliveredTime === -Infinity ? -1 : d.deliveredTime - (idle ? 0 : LATENESS_MS);
      return JSON.stringify({ k: 'w', p, t, i: idle });
    });
    for (let q = 0; q < KEYED; q++) {
      const task = detects[q] as DetectTask;
      for (const k of keyed[q] as KeyedOut[]) {
        keyedBytes += k.value.length;
        keyedEvents += k.count;
        task.process(record((keyedOffsets[q] = (keyedOffsets[q] ?? 0) + 1), k.value, k.contentType), false);
      }
      (keyed[q] as KeyedOut[]).length = 0;
      for (const tick of ticks) task.process(record((keyedOffsets[q] = (keyedOffsets[q] ?? 0) + 1), tick), false);
      await task.flush();
    }
    detectMs += performance.now() - t0;
  };
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let p = 0; p < PARTITIONS; p++) {
      const message = inputs[p]?.[r];
      if (message === undefined) continue;
      const task = dialogs[p] as DialogTask;
      task.process(message, false);
      await task.flush();
    }
    dialogMs += performance.now() - t0;
    await feedDetect(false);
    if ([0.25, 0.5, 0.75].some((f) => r === Math.floor(f * rounds))) quarters.push(stateAt());
  }
  const t0 = performance.now();
  for (const d of dialogs) {
    d.idle();
    await d.flush();
  }
  dialogMs += performance.now() - t0;
  await feedDetect(true);
  quarters.push(stateAt());

  const same = summary(alerts) === summary(reference);
  const notSame = differing(alerts, reference);
  return [
    { name: 'SIP messages', value: String(n) },
    { name: 'single-process engine (peer), msgs/s', value: (n / engineSeconds).toFixed(0) },
    { name: 'dialog stage, msgs/s', value: (n / (dialogMs / 1000)).toFixed(0) },
    { name: 'detect stage, msgs/s', value: (n / (detectMs / 1000)).toFixed(0) },
    {
      name: 'stages / engine (time ratio)',
      value: `${(engineSeconds / ((dialogMs + detectMs) / 1000)).toFixed(2)}×`,
    },
    { name: 'keyed events per SIP message', value: (keyedEvents / n).toFixed(2) },
    { name: 'keyed bytes per SIP message', value: (keyedBytes / n).toFixed(0) },
    {
      name: 'heap at 25/50/75/100 % (dialog / detect state entries, events held for order)',
      value: quarters.join('; '),
    },
    {
      name: 'alerts (ids and counts) equal to the engine',
      value: `${same ? 'yes' : 'NO'} (${alerts.size} vs ${reference.size})`,
    },
    {
      name: 'alert documents (whole JSON) equal to the engine',
      value: notSame.length === 0 ? 'yes' : `NO: ${notSame.length} (${[...new Set(notSame)].join(' ')})`,
    },
  ];
}
