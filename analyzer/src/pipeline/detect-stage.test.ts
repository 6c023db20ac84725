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
import { Projector } from './projection';
import { KEYED_LINES, keyedLinesValue } from './records';

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

/** `{"c":…,"e":…}` of an event with an empty enrichment (the older, nested form). */
function line(event: SipEvent): string {
  return JSON.stringify({ c: copyEnrichment(emptyEnrichment()), e: event });
}

const projector = new Projector([flood]);

/** A keyed record as the dialog stage writes it (v3: header line + event lines). */
function keyed(offset: number, items: readonly Item[]): KafkaMessage {
  const p = items[0]?.p ?? 0;
  assert.ok(
    items.every((i) => i.p === p),
    'a record comes from one upstream partition',
  );
  const value = keyedLinesValue(
    p,
    items.map((i) => ({
      o: i.o,
      t: eventTimeMs(i.event['@timestamp']),
      ...projector.project(i.ids ?? ['SIP-T-FLOOD'], i.event, copyEnrichment(emptyEnrichment())),
      ids: i.ids ?? ['SIP-T-FLOOD'],
      escalate: [],
    })),
  );
  return record(offset, value, KEYED_LINES);
}

/** A keyed event of an older analyzer: v1 (one per record) or an item of a v2 batch. */
function olderItem(i: Item): string {
  const t = eventTimeMs(i.event['@timestamp']);
  return `{"k":"e","p":${i.p},"o":${i.o},"t":${t},${line(i.event).slice(1, -1)},"s":${JSON.stringify(i.ids ?? ['SIP-T-FLOOD'])}}`;
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

void test('records of older analyzers (a v2 batch, v1 single events, no content-type) are read the same', async () => {
  for (const form of ['v2', 'v1'] as const) {
    const { task, delivered } = detectTask(1);
    const items = [1, 2, 3].map((t, i) => ({ p: 0, o: i, event: invite(t) }));
    if (form === 'v2') task.process(record(0, `{"k":"b","r":[${items.map(olderItem).join(',')}]}`), false);
    else items.forEach((item, i) => task.process(record(i, olderItem(item)), false));
    task.process(tick(5, 0, T(10), true), false);
    await task.flush();
    assert.equal(delivered.flat()[0]?.sipward.count, 3, form);
    assert.equal(task.stats.malformed, 0, form);
  }
});

void test('a v3 record that does not hold together, or of an unknown content-type, is counted malformed, never thrown', () => {
  const { task } = detectTask(1);
  const good = keyed(0, [
    { p: 0, o: 1, event: invite(1) },
    { p: 0, o: 2, event: invite(2) },
  ]);
  const text = good.value?.toString() ?? '';
  const header = text.slice(0, text.indexOf('\n'));
  const eventLine = text.slice(text.lastIndexOf('\n') + 1);
  task.process(record(1, `${header}\n${eventLine}`, KEYED_LINES), false);
  task.process(record(2, `${text}\n${eventLine}`, KEYED_LINES), false);
  task.process(record(3, `{"p":0}\n${eventLine}`, KEYED_LINES), false);
  task.process(record(8, text.replace('"paths":[["c"', '"paths":[["__proto__"'), KEYED_LINES), false);
  task.process(record(4, 'not json', KEYED_LINES), false);
  task.process(record(5, text, 'application/x-protobuf'), false);
  assert.equal(
    task.stats.malformed,
    6,
    'too few lines, too many, a bad header, a bad shape, not JSON, unknown encoding',
  );
  assert.equal(task.stats.records, 0);
  // A bad line inside a record that holds together: only that event is lost, and counted.
  task.process(record(6, text.replace(/\n[^\n]*$/, '\n["cut'), KEYED_LINES), false);
  task.process(tick(7, 0, T(10), true), false);
  assert.equal(task.stats.evaluated, 1);
  assert.equal(task.stats.malformed, 7);
});
