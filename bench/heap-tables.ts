//! What holds the analyzer's live heap, table by table, at 25/50/75/100 % of a capture:
//!   node dist/bench/heap-tables.js CAPTURE MESSAGES STOP_PERCENT
//! Drives the two pipeline stages in one process as bench/stages.ts does (4 input partitions by
//! Call-ID, records of 500 lines, 4 keyed partitions with the daemon's watermark ticks), but
//! streams the capture instead of holding its events, so a 1M capture fits. It prints the live heap
//! after a full GC at each quarter; at STOP_PERCENT it drops the tables one after another and
//! measures the live heap after each: the drop is what that table retains (an object shared by two
//! tables counts for the later one), without parsing a heap snapshot. Dropping ends the run, so
//! each checkpoint takes its own run.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KafkaMessage } from '../lib/src/kafka/client';
import { keyPartition } from '../lib/src/kafka/client';
import { createLogger } from '../lib/src/logger';
import { kafkaMessage as record } from '../lib/src/test-support/kafka-message';
import { CONTENT_TYPE_EVENT_BATCH, encodeEventBatch } from '../schema/src/event-records';
import { toJsonLine } from '../collectors/src/event/jsonl';
import { decodeInputs } from '../collectors/src/decode';
import { compileSignature } from '../analyzer/src/engine/compile/compile-signature';
import { loadSignatures } from '../analyzer/src/engine/load/load-signatures';
import { activeSignatures } from '../analyzer/src/pipeline/analyzer-daemon';
import type { DetectTask } from '../analyzer/src/pipeline/detect-stage';
import type { DialogTask, KeyedOut } from '../analyzer/src/pipeline/dialog-stage';
import { inMemoryStages } from './stage-tasks';

const PARTITIONS = 4;
const KEYED = 4;
const EVENTS_PER_RECORD = 500;
const LATENESS_MS = 100;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveMiB(): number {
  gc();
  gc();
  // Typed arrays keep their data outside the V8 heap: count it too.
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 2 ** 20;
}

/** A field of a task's private state, reached by name (measurement only). */
type Slot = { owner: object; field: string };

function fieldsOf(owner: object, path: string): Slot[] {
  const parts = path.split('.');
  let owners: object[] = [owner];
  for (const name of parts.slice(0, -1)) {
    const next: object[] = [];
    for (const o of owners) {
      const v = Reflect.get(o, name) as unknown;
      if (Array.isArray(v)) next.push(...(v as object[]));
      else if (typeof v === 'object' && v !== null) next.push(v);
    }
    owners = next;
  }
  const field = parts[parts.length - 1] as string;
  return owners.filter((o) => Reflect.get(o, field) !== undefined).map((o) => ({ owner: o, field }));
}

/** Detaches every slot (the run cannot go on afterwards). */
function drop(slots: readonly Slot[]): void {
  for (const s of slots) Reflect.set(s.owner, s.field, undefined);
}

async function main(): Promise<void> {
  const capture = process.argv[2];
  if (capture === undefined) throw new Error('usage: heap-tables CAPTURE MESSAGES STOP_PERCENT');
  const total = Number(process.argv[3] ?? 1_000_000);
  const stopAt = Number(process.argv[4] ?? 100);
  const loaded = activeSignatures(loadSignatures({ extraDirs: [] }), false);
  const compiled = loaded.map((s) => compileSignature(s.signature));
  let alerts = 0;
  const { keyed, dialogs, detects } = inMemoryStages(compiled, loaded, PARTITIONS, KEYED, (list) => {
    alerts += list.length;
  });
  const keyedOffsets = new Array<number>(KEYED).fill(0);
  const inputOffsets = new Array<number>(PARTITIONS).fill(0);
  const lines: string[][] = Array.from({ length: PARTITIONS }, () => []);
  let events = 0;
  let fed = 0;
  let nextCheckpoint = 1;

  const feedDetect = async (idle: boolean): Promise<void> => {
    const ticks = dialogs.map((d, p) => {
      const t = d.deliveredTime === -Infinity ? -1 : d.deliveredTime - (idle ? 0 : LATENESS_MS);
      return JSON.stringify({ k: 'w', p, t, i: idle });
    });
    for (let q = 0; q < KEYED; q++) {
      const task = detects[q] as DetectTask;
      for (const k of keyed[q] as KeyedOut[])
        task.process(record((keyedOffsets[q] = (keyedOffsets[q] ?? 0) + 1), k.value, k.contentType), false);
      (keyed[q] as KeyedOut[]).length = 0;
      for (const tick of ticks) task.process(record((keyedOffsets[q] = (keyedOffsets[q] ?? 0) + 1), tick), false);
      await task.flush();
    }
  };
  const feedPartition = async (p: number, all: boolean): Promise<void> => {
    const pending = lines[p] as string[];
    while (pending.length >= EVENTS_PER_RECORD || (all && pending.length > 0)) {
      const batch = pending.splice(0, EVENTS_PER_RECORD);
      const message: KafkaMessage = record(
        (inputOffsets[p] = (inputOffsets[p] ?? 0) + 1),
        encodeEventBatch(batch),
        CONTENT_TYPE_EVENT_BATCH,
      );
      const task = dialogs[p] as DialogTask;
      task.process(message, false);
      await task.flush();
      fed += batch.length;
    }
  };

  const report = (label: string): void => {
    const live = liveMiB();
    let buffered = 0;
    for (const d of detects) buffered += d.inspect().buffered;
    const rss = process.memoryUsage().rss / 2 ** 20;
    process.stdout.write(
      `${label} (${events} events, ${fed} fed): live heap ${live.toFixed(1)} MiB, RSS ${rss.toFixed(0)} MiB, ` +
        `state entries dialog ${dialogs.reduce((s, d) => s + d.stateSize(), 0)} / detect ` +
        `${detects.reduce((s, d) => s + d.engineState().entries, 0)}, buffered ${buffered}, alerts ${alerts}\n`,
    );
  };
  const dropTables = (): void => {
    const tables: Array<[string, Slot[]]> = [
      ['detect: reorder buffer', detects.flatMap((d) => fieldsOf(d, 'buffer'))],
      ['detect: undelivered alerts', detects.flatMap((d) => fieldsOf(d, 'alerts'))],
      [
        'detect: id sets + line builders',
        detects.flatMap((d) => [...fieldsOf(d, 'idSets'), ...fieldsOf(d, 'builders')]),
      ],
      // One row per signature: which kinds of state hold the most.
      ...[
        ...new Set(
          detects.flatMap((d) => fieldsOf(d, 'engine.runtimes.id').map((s) => Reflect.get(s.owner, 'id') as string)),
        ),
      ].map((id): [string, Slot[]] => [
        `detect: ${id} state`,
        detects.flatMap((d) => fieldsOf(d, 'engine.runtimes.runner')).filter((s) => Reflect.get(s.owner, 'id') === id),
      ]),
      ['detect: incident books', detects.flatMap((d) => fieldsOf(d, 'engine.runtimes.book'))],
      ['detect: rest of the tasks', detects.map((d, i) => ({ owner: detects, field: String(i) }))],
      ['dialog: event-id dedup (seen)', dialogs.flatMap((d) => fieldsOf(d, 'seen'))],
      ['dialog: call tracker', dialogs.flatMap((d) => fieldsOf(d, 'tracker'))],
      ['dialog: transactions', dialogs.flatMap((d) => fieldsOf(d, 'enricher.transactions'))],
      ['dialog: dialogs', dialogs.flatMap((d) => fieldsOf(d, 'enricher.dialogs'))],
      ['dialog: router (half_open routes)', dialogs.flatMap((d) => fieldsOf(d, 'router.pending'))],
      ['dialog: rest of the enricher', dialogs.flatMap((d) => fieldsOf(d, 'enricher'))],
      ['dialog: rest of the tasks', dialogs.map((d, i) => ({ owner: dialogs, field: String(i) }))],
    ];
    let before = liveMiB();
    for (const [name, slots] of tables) {
      drop(slots);
      const after = liveMiB();
      if (before - after >= 0.5 || !name.endsWith(' state'))
        process.stdout.write(`  ${name}: ${(before - after).toFixed(1)} MiB\n`);
      before = after;
    }
    process.stdout.write(`  left (signatures, decoder, code): ${before.toFixed(1)} MiB\n`);
  };

  await decodeInputs(
    { captures: [capture], log: createLogger('silent') },
    {
      onEvent: (e) => {
        const p = keyPartition('sip.events', e.sip.call_id ?? e.event.id, PARTITIONS);
        (lines[p] as string[]).push(toJsonLine(e).slice(0, -1));
        events++;
      },
      afterBatch: async () => {
        for (let p = 0; p < PARTITIONS; p++) await feedPartition(p, false);
        await feedDetect(false);
        if (nextCheckpoint <= 3 && fed >= (nextCheckpoint * total) / 4) {
          report(`${nextCheckpoint * 25} %`);
          if (nextCheckpoint * 25 >= stopAt) {
            dropTables();
            process.exit(0);
          }
          nextCheckpoint++;
        }
      },
    },
  );
  for (let p = 0; p < PARTITIONS; p++) await feedPartition(p, true);
  for (const d of dialogs) {
    d.idle();
    await d.flush();
  }
  await feedDetect(true);
  report('100 %');
  dropTables();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
