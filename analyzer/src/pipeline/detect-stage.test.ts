// The detect stage's logic without a broker: keyed records in (as the dialog stage writes them),
// alerts out through a plain `deliver`. Ordering across upstream partitions, duplicates, only the
// named signatures, newest version per alert, failed deliveries, replay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from '../../../lib/src/kafka/client';
import { kafkaMessage as record } from '../../../lib/src/test-support/kafka-message';
import type { Alert } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import { copyEnrichment, emptyEnrichment } from '../engine/enrich/enrichment';
import { eventTimeMs } from '../engine/event-time';
import { signature, sipEvent } from '../engine/test-events';
import { DetectTask } from './detect-stage';
import { keyedEventJson } from './dialog-stage';
import { keyedBatchValue } from './records';

/** Three INVITEs from one source within a minute: an alert (the count grows with each event). */
const flood = signature({
  id: 'SIP-T-FLOOD',
  kind: 'event_count',
  where: { 'sip.method': 'INVITE' },
  group_by: ['source.ip'],
  windowMs: 60_000,
  threshold: 3,
});

function invite(t: number, src = '203.0.113.5'): SipEvent {
  return sipEvent({
    t,
    src,
    sip: { type: 'request', method: 'INVITE', call_id: `c${t}`, cseq: { seq: 1, method: 'INVITE' } },
  });
}

interface Item {
  p: number;
  o: number;
  event: SipEvent;
  ids?: string[];
}

/** A keyed batch record, serialised as the dialog stage does. */
function keyed(offset: number, items: readonly Item[]): KafkaMessage {
  return record(
    offset,
    keyedBatchValue(
      items.map((i) =>
        keyedEventJson(
          i.p,
          i.o,
          eventTimeMs(i.event['@timestamp']),
          `"c":${JSON.stringify(copyEnrichment(emptyEnrichment()))},"e":${JSON.stringify(i.event)}`,
          i.ids ?? ['SIP-T-FLOOD'],
          [],
        ),
      ),
    ),
  );
}

function tick(offset: number, p: number, t: number, idle = false): KafkaMessage {
  return record(offset, JSON.stringify({ k: 'w', p, t, i: idle }));
}

function detectTask(upstream = 2): { task: DetectTask; delivered: Alert[][]; control: { failing: boolean } } {
  const delivered: Alert[][] = [];
  const control = { failing: false };
  const task = new DetectTask({
    partition: 0,
    signatures: [flood],
    upstreamPartitions: upstream,
    deliver: (alerts) => {
      if (control.failing) return Promise.reject(new Error('Elasticsearch down'));
      delivered.push(alerts);
      return Promise.resolve();
    },
  });
  return { task, delivered, control };
}

const T = (s: number): number => Date.parse('2026-01-01T00:00:00Z') + s * 1000;

void test('events wait for every upstream partition to vouch for their time, then run in time order', async () => {
  const { task, delivered } = detectTask(2);
  // Partition 1's events arrive before partition 0's older ones.
  task.process(keyed(0, [{ p: 1, o: 10, event: invite(3) }]), false);
  task.process(
    keyed(1, [
      { p: 0, o: 20, event: invite(1) },
      { p: 0, o: 21, event: invite(2) },
    ]),
    false,
  );
  task.process(tick(2, 0, T(10)), false);
  assert.equal(task.stats.evaluated, 0, 'partition 1 has not reported');
  task.process(tick(3, 1, T(2.5)), false);
  assert.equal(task.stats.evaluated, 2, 'strictly below the slowest partition');
  task.process(tick(4, 1, T(10)), false);
  assert.equal(task.stats.evaluated, 3);
  await task.flush();
  const alerts = delivered.flat();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.sipward.count, 3);
  assert.equal(alerts[0]?.event.start, '2026-01-01T00:00:01.000Z', 'the oldest event, though it arrived later');
});

void test('a record seen before (same upstream partition and position) is dropped', () => {
  const { task } = detectTask(1);
  const item = { p: 0, o: 5, event: invite(1) };
  task.process(keyed(0, [item]), false);
  task.process(keyed(1, [item, { p: 0, o: 4, event: invite(0.5) }]), false);
  assert.equal(task.stats.duplicates, 2, 'the same position and an older one');
  task.process(tick(2, 0, T(10)), false);
  assert.equal(task.stats.evaluated, 1);
});

void test('only the signatures a record names run on it', async () => {
  const { task, delivered } = detectTask(1);
  const items = [1, 2, 3].map((t, i) => ({ p: 0, o: i, event: invite(t), ids: ['SIP-OTHER'] }));
  task.process(keyed(0, items), false);
  task.process(tick(1, 0, T(10), true), false);
  assert.equal(task.stats.evaluated, 3);
  assert.equal(await task.flush(), false);
  assert.equal(delivered.length, 0);
});

void test('alert versions coalesce to the newest; a failed delivery puts them back, newer ones win', async () => {
  const { task, delivered, control } = detectTask(1);
  task.process(
    keyed(
      0,
      [1, 2, 3].map((t, i) => ({ p: 0, o: i, event: invite(t) })),
    ),
    false,
  );
  task.process(tick(1, 0, T(3.5)), false);
  control.failing = true;
  await assert.rejects(task.flush(), /Elasticsearch down/);
  assert.equal(task.backlog(), 1, 'the alert is kept');
  control.failing = false;
  task.process(
    keyed(
      2,
      [4, 5].map((t, i) => ({ p: 0, o: 10 + i, event: invite(t) })),
    ),
    false,
  );
  task.process(tick(3, 0, T(60), true), false);
  await task.flush();
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0]?.length, 1, 'one document per alert id');
  assert.equal(delivered[0]?.[0]?.sipward.count, 5, 'the newest version');
});

void test('replayed records rebuild the incident without delivering it again', async () => {
  const { task, delivered } = detectTask(1);
  task.process(
    keyed(
      0,
      [1, 2, 3].map((t, i) => ({ p: 0, o: i, event: invite(t) })),
    ),
    true,
  );
  task.process(tick(1, 0, T(3.5)), true);
  assert.equal(await task.flush(), false);
  // Live from here: the incident exists already, the next event updates it.
  task.process(keyed(2, [{ p: 0, o: 3, event: invite(4) }]), false);
  task.process(tick(3, 0, T(10)), false);
  await task.flush();
  assert.equal(delivered.flat()[0]?.sipward.count, 4);
});

void test('a record that is not a keyed record is counted malformed, never thrown', () => {
  const { task } = detectTask(1);
  task.process(record(0, '{"k":"x"}'), false);
  task.process(record(1, 'not json'), false);
  task.process(record(2, null), false);
  assert.equal(task.stats.malformed, 3);
});
