// The analyzer's two pipeline stages wired in memory (no broker): the demo capture's events go
// through DialogTask, its keyed records through DetectTask, and the alerts must equal what the
// single-process engine (`sipward analyze`) finds. The keyed records travel both as batches (one
// record per keyed partition per delivery, the current form) and as one event per record (the
// older form, still read), and deliveries are delayed so that outputs coalesce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import type { Alert } from '../../schema/src/alert';
import type { SipEvent } from '../../schema/src/sip-event';
import { compileSignature } from '../../analyzer/src/engine/compile/compile-signature';
import { DetectionEngine } from '../../analyzer/src/engine/engine';
import { loadSignatures } from '../../analyzer/src/engine/load/load-signatures';
import { activeSignatures } from '../../analyzer/src/pipeline/analyzer-daemon';
import { DetectTask } from '../../analyzer/src/pipeline/detect-stage';
import { DialogTask, keyedRecords, type DeadLetter, type KeyedOut } from '../../analyzer/src/pipeline/dialog-stage';
import { CONTENT_TYPE_EVENT_BATCH, encodeEventBatch } from '../../schema/src/event-records';
import { decodeKeyed, type KeyedItem } from '../../analyzer/src/pipeline/records';
import { toJsonLine } from '../../collectors/src/event/jsonl';
import { decodeInputs } from '../../collectors/src/decode';
import { kafkaMessage as message } from '../../lib/src/test-support/kafka-message';
import { createLogger } from '../../lib/src/logger';
import { repoRoot } from '../../lib/src/repo-root';

const KEYED = 4;

async function demoEvents(): Promise<SipEvent[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [join(repoRoot(), 'samples', 'demo-attacks.pcap')], log: createLogger('silent') },
    { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
  );
  return events;
}

function referenceAlerts(events: readonly SipEvent[]): Map<string, Alert> {
  const out = new Map<string, Alert>();
  const engine = new DetectionEngine(activeSignatures(loadSignatures({ extraDirs: [] }), false), {
    emitUpdates: false,
    onAlert: (a, phase) => {
      if (phase === 'final') out.set(a.event.id, a);
    },
  });
  for (const e of events) engine.process(e);
  engine.flush();
  return out;
}

/** Events → one dialog partition → keyed records → detect tasks; alerts by id (newest version). */
type DialogOptions = ConstructorParameters<typeof DialogTask>[0];

/** The dialog stage of partition 0 over `signatures`, handing its output to `deliver`. */
function dialogTask(signatures: ReturnType<typeof activeSignatures>, deliver: DialogOptions['deliver']): DialogTask {
  return new DialogTask({
    partition: 0,
    signatures: signatures.map((s) => compileSignature(s.signature)),
    keyedPartitions: KEYED,
    enricher: {},
    deliver,
  });
}

async function throughStages(
  events: readonly SipEvent[],
  form: 'batch' | 'single',
  input: 'batch' | 'single' = 'batch',
): Promise<Map<string, Alert>> {
  const signatures = activeSignatures(loadSignatures({ extraDirs: [] }), false);
  const keyed: KeyedOut[] = [];
  const dialog = dialogTask(signatures, async (out) => {
    // A slow output: later batches pile up and go together in the next delivery.
    await new Promise((r) => setTimeout(r, 1));
    keyed.push(...out.keyed);
  });
  let pending: Promise<boolean> = Promise.resolve(false);
  if (input === 'single') {
    // The first form of sip.events: one event per record, no content-type header.
    events.forEach((e, offset) => {
      dialog.process(message(offset, toJsonLine(e).slice(0, -1)), false);
      if (offset % 50 === 49) pending = dialog.flush();
    });
  } else {
    // What collect writes: 37 events per record (a batch of one partition).
    for (let at = 0, offset = 0; at < events.length; at += 37, offset++) {
      const lines = events.slice(at, at + 37).map((e) => toJsonLine(e).slice(0, -1));
      dialog.process(message(offset, encodeEventBatch(lines), CONTENT_TYPE_EVENT_BATCH), false);
      if (offset % 2 === 1) pending = dialog.flush();
    }
  }
  await pending;
  await dialog.flush();
  assert.equal(dialog.backlog(), 0, 'every keyed event was handed to a delivery');

  const alerts = new Map<string, Alert>();
  for (let p = 0; p < KEYED; p++) {
    const detect = new DetectTask({
      partition: p,
      signatures,
      upstreamPartitions: 1,
      deliver: (list) => {
        for (const a of list) alerts.set(a.event.id, a);
        return Promise.resolve();
      },
    });
    let offset = 0;
    for (const out of keyed.filter((k) => k.partition === p)) {
      if (form === 'batch') {
        detect.process(message(offset++, out.value, out.contentType), false);
        continue;
      }
      const batch = decodeKeyed(Buffer.from(out.value), out.contentType);
      assert.equal(batch?.k, 'b');
      for (const item of batch?.k === 'b' ? batch.r : [])
        detect.process(message(offset++, JSON.stringify(item)), false);
    }
    detect.process(message(offset++, JSON.stringify({ k: 'w', p: 0, t: Number.MAX_SAFE_INTEGER, i: true })), false);
    await detect.flush();
  }
  return alerts;
}

/** The whole alert documents by id: severity (escalation), evidence, aggregates and links included. */
function summary(alerts: Map<string, Alert>): Record<string, Alert> {
  return Object.fromEntries([...alerts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

void test('dialog and detect stages in memory give the alerts of the single-process engine, document for document (batch and single-event keyed records)', async () => {
  const events = await demoEvents();
  const expected = summary(referenceAlerts(events));
  assert.ok(Object.keys(expected).length >= 5, 'the demo capture raises alerts');
  assert.ok(
    Object.values(expected).some((a) => a.event.reason?.includes('escalated') === true),
    'an escalated incident: its evidence reaches the detect partition of the incident',
  );
  assert.deepEqual(summary(await throughStages(events, 'batch')), expected);
  assert.deepEqual(summary(await throughStages(events, 'single')), expected);
  assert.deepEqual(summary(await throughStages(events, 'batch', 'single')), expected, 'one event per input record');
});

void test('an input record of an unknown encoding, or a bad line in a batch, is dead-lettered with its reason', async () => {
  const dead: DeadLetter[] = [];
  const dialog = dialogTask(activeSignatures(loadSignatures({ extraDirs: [] }), false), (out) => {
    dead.push(...out.dead);
    return Promise.resolve();
  });
  const [first] = await demoEvents();
  assert.ok(first !== undefined);
  dialog.process(message(0, 'AAECAw==', 'application/avro'), false);
  dialog.process(
    message(1, encodeEventBatch([toJsonLine(first).slice(0, -1), '{not json']), CONTENT_TYPE_EVENT_BATCH),
    false,
  );
  await dialog.flush();
  assert.deepEqual(
    dead.map((d) => [d.offset, d.reason]),
    [
      ['0', 'unknown_encoding'],
      ['1', 'not_json'],
    ],
  );
  assert.match(dead[0]?.detail ?? '', /application\/avro/);
  assert.equal(dead[1]?.value?.toString(), '{not json', 'only the bad line, not the whole batch');
  assert.equal(dialog.stats.events, 1, 'the good line of the batch is analysed');
});

void test('keyed records are cut below the size limit and keep every event in order', () => {
  const shape = { paths: [['c'], ['e', 'pad']], keys: ['c', 'e\u001fpad'] };
  const item = (o: number): KeyedItem => ({
    o,
    t: o,
    line: JSON.stringify([{}, 'x'.repeat(100)]),
    shape,
    ids: ['X'],
    escalate: o % 7 === 0 ? ['Y'] : [],
  });
  const items = Array.from({ length: 50 }, (_, o) => item(o));
  const records = keyedRecords(2, new Map([[3, items]]), 1000);
  assert.ok(records.length > 5);
  const back: number[] = [];
  for (const r of records) {
    assert.equal(r.partition, 3);
    assert.ok(r.value.length < 1000 + 200, 'one item may overshoot the limit, never more');
    const decoded = decodeKeyed(Buffer.from(r.value), r.contentType);
    assert.equal(decoded?.k, 'b');
    for (const e of decoded?.k === 'b' ? decoded.r : []) {
      assert.equal(e.p, 2);
      assert.deepEqual(e.x, e.o % 7 === 0 ? ['Y'] : undefined);
      back.push(e.o);
    }
  }
  assert.equal(
    records.reduce((n, r) => n + r.count, 0),
    50,
  );
  assert.deepEqual(back, [...Array(50).keys()]);
});
