// The dialog stage's logic without a broker: input records in, a plain `deliver` that the test
// completes or fails. Duplicates, upstream positions, what a tick may vouch for, kept outputs on a
// failed delivery, replay without outputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from '../../../lib/src/kafka/client';
import { kafkaMessage } from '../../../lib/src/test-support/kafka-message';
import type { SipEvent } from '../../../schema/src/sip-event';
import { CONTENT_TYPE_EVENT_BATCH, encodeEventBatch } from '../../../schema/src/event-records';
import { compileSignature } from '../engine/compile/compile-signature';
import { register, responseTo, signature, sipEvent } from '../engine/test-events';
import { DialogTask, type DialogOutputs } from './dialog-stage';
import { decodeKeyed, EVENT_SLOTS, type KeyedEvent } from './records';
import { groupPartition } from './routing';

const KEYED = 4;
const bySource = compileSignature(signature({ id: 'SIP-T-SRC', kind: 'event_count', group_by: ['source.ip'] }));

function batchRecord(offset: number, events: readonly SipEvent[]): KafkaMessage {
  return kafkaMessage(offset, encodeEventBatch(events.map((e) => JSON.stringify(e))), CONTENT_TYPE_EVENT_BATCH);
}

/** A dialog task whose deliveries are recorded and succeed unless `failing` is set. */
function dialogTask(): { task: DialogTask; delivered: DialogOutputs[]; control: { failing: boolean } } {
  const delivered: DialogOutputs[] = [];
  const control = { failing: false };
  const task = new DialogTask({
    partition: 2,
    signatures: [bySource],
    keyedPartitions: KEYED,
    enricher: {},
    deliver: (out) => {
      if (control.failing) return Promise.reject(new Error('broker down'));
      delivered.push(out);
      return Promise.resolve();
    },
  });
  return { task, delivered, control };
}

function keyedEvents(outs: readonly DialogOutputs[]): Array<{ partition: number; event: KeyedEvent }> {
  const all: Array<{ partition: number; event: KeyedEvent }> = [];
  for (const out of outs) {
    for (const k of out.keyed) {
      const r = decodeKeyed(Buffer.from(k.value), k.contentType);
      assert.equal(r?.k, 'b');
      for (const event of r?.k === 'b' ? r.r : []) all.push({ partition: k.partition, event });
    }
  }
  return all;
}

void test('each event is re-keyed to its group partition with its upstream position and signature ids', async () => {
  const { task, delivered } = dialogTask();
  const a = register(1, { src: '203.0.113.1', callId: 'a', seq: 1 });
  const b = register(2, { src: '203.0.113.2', callId: 'b', seq: 1 });
  task.process(batchRecord(7, [a, b]), false);
  assert.equal(await task.flush(), true);
  const got = keyedEvents(delivered);
  assert.deepEqual(
    got.map(({ partition, event }) => [partition, event.p, event.o, event.s, event.e.event.id]),
    [
      [groupPartition('SIP-T-SRC', '203.0.113.1', KEYED), 2, 7 * EVENT_SLOTS, ['SIP-T-SRC'], a.event.id],
      [groupPartition('SIP-T-SRC', '203.0.113.2', KEYED), 2, 7 * EVENT_SLOTS + 1, ['SIP-T-SRC'], b.event.id],
    ],
  );
  assert.equal(got[0]?.event.t, Date.parse('2026-01-01T00:00:01Z'));
});

void test('a re-published event (same event id) is dropped', async () => {
  const { task, delivered } = dialogTask();
  const a = register(1, { callId: 'a', seq: 1 });
  task.process(batchRecord(0, [a]), false);
  task.process(batchRecord(1, [a, register(2, { callId: 'b', seq: 1 })]), false);
  await task.flush();
  assert.equal(keyedEvents(delivered).length, 2);
  assert.equal(task.stats.duplicates, 1);
  assert.equal(task.stats.events, 2);
});

void test('a tick vouches only for event time whose keyed records were acknowledged', async () => {
  const { task, control } = dialogTask();
  task.process(batchRecord(0, [register(5, { callId: 'a', seq: 1 })]), false);
  assert.equal(task.streamTime, Date.parse('2026-01-01T00:00:05Z'));
  assert.equal(task.deliveredTime, -Infinity, 'processed is not delivered');
  control.failing = true;
  await assert.rejects(task.flush(), /broker down/);
  assert.equal(task.deliveredTime, -Infinity, 'a failed delivery vouches for nothing');
  assert.equal(task.backlog(), 1, 'and its outputs are kept');
  control.failing = false;
  assert.equal(await task.flush(), true);
  assert.equal(task.deliveredTime, Date.parse('2026-01-01T00:00:05Z'));
  assert.equal(task.backlog(), 0);
});

void test('outputs kept after a failed delivery go out once, before the newer ones, with call records', async () => {
  const { task, delivered, control } = dialogTask();
  const invite = sipEvent({
    t: 1,
    sip: {
      type: 'request',
      method: 'INVITE',
      call_id: 'call-1',
      cseq: { seq: 1, method: 'INVITE' },
      from: { user: '1001', tag: 'f' },
      to: { user: '1002' },
    },
  });
  const busy = responseTo(invite, 2, 486);
  task.process(batchRecord(0, [invite, busy]), false);
  // Ended calls linger for retransmissions; an idle partition releases them.
  task.idle();
  control.failing = true;
  await assert.rejects(task.flush());
  control.failing = false;
  task.process(batchRecord(1, [register(3, { callId: 'r', seq: 1 })]), false);
  await task.flush();
  assert.equal(delivered.length, 1);
  assert.deepEqual(
    keyedEvents(delivered).map(({ event }) => event.o),
    [0, 1, EVENT_SLOTS],
  );
  assert.deepEqual(
    delivered[0]?.calls.map((c) => c.call_id),
    ['call-1'],
    'the busy call was recorded once',
  );
});

void test('replayed records rebuild state but deliver nothing', async () => {
  const { task, delivered } = dialogTask();
  const a = register(1, { callId: 'a', seq: 1 });
  task.process(batchRecord(0, [a]), true);
  assert.equal(await task.flush(), false);
  assert.equal(delivered.length, 0);
  // The replayed event id is known: the same event published again live is a duplicate.
  task.process(batchRecord(1, [a]), false);
  assert.equal(task.stats.duplicates, 1);
});

void test('poison lines are dead-lettered with their reason, the rest of the batch is analysed', async () => {
  const { task, delivered } = dialogTask();
  const good = JSON.stringify(register(1, { callId: 'a', seq: 1 }));
  const noTime = JSON.stringify({ ...register(1, { callId: 'b', seq: 1 }), '@timestamp': 'yesterday' });
  task.process(kafkaMessage(4, encodeEventBatch([good, '[1,2]', noTime]), CONTENT_TYPE_EVENT_BATCH), false);
  await task.flush();
  assert.deepEqual(
    delivered[0]?.dead.map((d) => [d.offset, d.reason]),
    [
      ['4', 'not_an_object'],
      ['4', 'bad_timestamp'],
    ],
  );
  assert.equal(keyedEvents(delivered).length, 1);
});
