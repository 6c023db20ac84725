import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { CompressionTypes, Message } from '../../../lib/src/kafka/client';
import { keyPartition } from '../../../lib/src/kafka/client';
import { splitEventBatch } from '../../../schema/src/event-records';
import type { SipEvent } from '../../../schema/src/sip-event';
import { SCHEMA_VERSION } from '../../../schema/src/sip-event';
import { toJsonLine } from '../event/jsonl';
import {
  KafkaPublisher,
  toSipEventRecord,
  batchRecords,
  type AdminPort,
  type KafkaPorts,
  type KafkaPublisherOptions,
  type ProducerPort,
} from './kafka-publisher';

/** `callId: null` builds an event without Call-ID. */
function event(i: number, callId: string | null = `call-${i % 3}@example.org`): SipEvent {
  return {
    '@timestamp': `2026-11-28T10:00:0${i % 10}.123456Z`,
    event: { id: `ev-${i}`, kind: 'event', dataset: 'sipward.sip' },
    source: { ip: '192.0.2.1', port: 5060 },
    destination: { ip: '192.0.2.2', port: 5060 },
    network: { transport: 'udp', protocol: 'sip' },
    sip: { type: 'request', method: 'OPTIONS', size: 300, ...(callId !== null ? { call_id: callId } : {}) },
  } as SipEvent;
}

void test('record: key = Call-ID (else event id), value = the decode line, schema and content-type headers, event time', () => {
  const e = event(3, 'abc@host');
  const r = toSipEventRecord(e);
  assert.equal(r.key, 'abc@host');
  assert.equal(r.value + '\n', toJsonLine(e));
  assert.deepEqual(r.headers, { 'schema-version': String(SCHEMA_VERSION), 'content-type': 'application/json' });
  // Record time = publish time (retention and the broker's timestamp checks); event time travels in the value.
  assert.ok(Math.abs(Number(r.timestamp) - Date.now()) < 5000, r.timestamp);
  assert.equal(r.eventMs, Date.parse('2026-11-28T10:00:03.123Z'));
  assert.equal(toSipEventRecord(event(4, null)).key, 'ev-4');
});

/** Event ids in the order the broker wrote them (each record holds a batch of events). */
function eventIds(log: readonly Message[]): string[] {
  return log.flatMap((m) => splitEventBatch(String(m.value)).map((line) => (JSON.parse(line) as SipEvent).event.id));
}

/**
 * Every event of `0..n-1` written exactly once, each in the partition its Call-ID hashes to (in a
 * batch record), and in publish order among the events of one Call-ID.
 */
function assertOnceInKeyOrder(log: readonly Message[], n: number, partitions = 4): void {
  const seen: SipEvent[] = [];
  for (const m of log) {
    assert.equal(m.headers?.['content-type'], 'application/x-ndjson');
    const events = splitEventBatch(String(m.value)).map((line) => JSON.parse(line) as SipEvent);
    assert.equal(m.headers?.events, String(events.length));
    for (const e of events) {
      assert.equal(m.partition, keyPartition('sip.events', e.sip.call_id ?? e.event.id, partitions));
      seen.push(e);
    }
  }
  const ids = seen.map((e) => Number(e.event.id.slice(3)));
  assert.deepEqual(
    [...ids].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
  const byKey = new Map<string, number[]>();
  for (const e of seen) {
    const key = e.sip.call_id ?? '';
    byKey.set(key, [...(byKey.get(key) ?? []), Number(e.event.id.slice(3))]);
  }
  for (const [key, list] of byKey)
    assert.deepEqual(
      list,
      [...list].sort((a, b) => a - b),
      `events of ${key} in order`,
    );
}

interface Logged {
  level: number;
  msg: string;
  [k: string]: unknown;
}

function capturingLogger(): { log: pino.Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Logged) });
  return { log, lines };
}

/** A broker double: `down` makes connect/send fail; `ackLost` writes the batch but fails the reply. */
class FakeBroker implements ProducerPort {
  down = false;
  ackLost = 0;
  connects = 0;
  sends: Message[][] = [];
  /** Topic of each send, in order. */
  sendTopics: string[] = [];
  log: Message[] = [];
  createdTopics: string[] = [];
  /** Source watermarks written (kept apart from the event log). */
  watermarks: Array<{ observer: string; t: number; w: number; end: boolean }> = [];
  producersMade = 0;
  /** Called at the start of each send (tests pause here). */
  onSend: (() => Promise<void>) | undefined;

  async connect(): Promise<void> {
    this.connects++;
    if (this.down) throw new Error('Connection error: ECONNREFUSED');
  }

  async send(record: { topic: string; messages: Message[]; acks: number; compression: CompressionTypes }) {
    assert.equal(record.acks, -1, 'idempotent producer needs acks=all');
    if (record.topic.endsWith('.watermarks')) {
      this.watermarks.push(
        ...record.messages.map((m) => JSON.parse(String(m.value)) as FakeBroker['watermarks'][number]),
      );
      this.sendTopics.push(record.topic);
      return [];
    }
    this.sends.push([...record.messages]);
    this.sendTopics.push(record.topic);
    if (this.onSend !== undefined) await this.onSend();
    if (this.down) throw new Error('KafkaJSNumberOfRetriesExceeded: Connection error');
    // Idempotence: a resend of the last batch (same records) is not written twice.
    const last = this.log.slice(-record.messages.length);
    const dup =
      this.log.length > 0 && last.length === record.messages.length && last.every((m, i) => m === record.messages[i]);
    if (!dup) this.log.push(...record.messages);
    if (this.ackLost > 0) {
      this.ackLost--;
      throw new Error('Request timed out');
    }
    return [];
  }

  async disconnect(): Promise<void> {}

  ports(): KafkaPorts {
    const admin: AdminPort = {
      connect: async () => {
        if (this.down) throw new Error('Connection error');
      },
      createTopics: async ({ topics }) => {
        const t = topics[0]?.topic ?? '';
        if (this.createdTopics.includes(t)) return false;
        this.createdTopics.push(t);
        return true;
      },
      fetchTopicMetadata: async ({ topics }) => ({
        topics: topics.map((name) => ({ name, partitions: [0, 1] })),
      }),
      disconnect: async () => undefined,
    };
    return {
      createProducer: () => {
        this.producersMade++;
        return this;
      },
      admin: () => admin,
    };
  }
}

function publisher(
  broker: FakeBroker,
  over: Partial<KafkaPublisherOptions> = {},
): { p: KafkaPublisher; lines: Logged[] } {
  const { log, lines } = capturingLogger();
  const p = new KafkaPublisher(broker.ports(), {
    brokers: ['fake:9092'],
    topic: 'sip.events',
    partitions: 4,
    replicationFactor: 1,
    mode: 'file',
    queueMax: 100,
    batchMax: 10,
    lingerMs: 0,
    compression: 'gzip',
    retryInitialMs: 5,
    retryMaxMs: 20,
    log,
    ...over,
  });
  return { p, lines };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test('file mode: every event is published once, in order, batched by batch-max, topic created', async () => {
  const broker = new FakeBroker();
  const { p } = publisher(broker);
  p.start();
  for (let i = 0; i < 25; i++) p.publish(event(i));
  await p.afterBatch();
  const stats = await p.close(5_000);
  assertOnceInKeyOrder(broker.log, 25);
  assert.equal(stats.published, 25);
  assert.equal(stats.dropped_total, 0);
  assert.equal(stats.retries, 0);
  assert.ok(broker.sends.every((b) => b.reduce((n, m) => n + Number(m.headers?.events), 0) <= 10));
  assert.deepEqual(broker.createdTopics, ['sip.events']);
  assert.ok(stats.bytes > 0);
});

void test('an observer announces itself (t = -1) before its first event; its last watermark is the end', async () => {
  const broker = new FakeBroker();
  const { p } = publisher(broker, { observerId: 'collector-a' });
  p.start();
  for (let i = 0; i < 5; i++) p.publish(event(i));
  await p.afterBatch();
  await p.close(5_000);
  assertOnceInKeyOrder(broker.log, 5);
  assert.equal(broker.sendTopics[0], 'sip.events.watermarks', 'the announcement precedes every event');
  assert.equal(broker.watermarks[0]?.observer, 'collector-a');
  assert.equal(broker.watermarks[0]?.t, -1);
  assert.equal(broker.watermarks[0]?.end, false);
  assert.equal(broker.watermarks.filter((w) => w.t === -1).length, 1, 'announced once');
  assert.equal(broker.watermarks.at(-1)?.end, true);
  assert.ok(broker.createdTopics.includes('sip.events.watermarks'));
});

void test('file mode applies back-pressure: afterBatch waits while the queue is full, nothing is dropped', async () => {
  const broker = new FakeBroker();
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  broker.onSend = () => gate;
  const { p } = publisher(broker, { queueMax: 5, batchMax: 2 });
  p.start();
  for (let i = 0; i < 8; i++) p.publish(event(i));
  let passed = false;
  const waiting = p.afterBatch().then(() => (passed = true));
  await tick(20);
  assert.equal(passed, false, 'must wait while 8 > 5 are queued');
  broker.onSend = undefined;
  release();
  await waiting;
  assert.ok(p.queue.length < 5);
  const stats = await p.close(5_000);
  assert.equal(stats.published, 8);
  assert.equal(stats.dropped_total, 0);
  assert.equal(stats.queue_high_water, 8);
  gate = Promise.resolve();
});

void test('live mode drops the newest events beyond queue-max, counts them and warns once (throttled)', async () => {
  const broker = new FakeBroker();
  broker.down = true;
  const { p, lines } = publisher(broker, { mode: 'live', queueMax: 4, dropWarnIntervalMs: 60_000 });
  p.start();
  for (let i = 0; i < 10; i++) p.publish(event(i));
  await p.afterBatch(); // never waits in live mode
  assert.equal(p.queue.length, 4);
  assert.deepEqual(
    p.queue.peek(10).map((r) => r.value.includes('"ev-0"') || r.value.includes('"ev-3"')),
    [true, false, false, true],
    'the oldest four stay queued',
  );
  const warns = lines.filter((l) => /publish queue full/.test(l.msg));
  assert.equal(warns.length, 1, 'one warning for six drops within the interval');
  broker.down = false;
  const stats = await p.close(5_000);
  assert.equal(stats.published, 4);
  assert.deepEqual(stats.dropped, { queue_full: 6 });
  assert.equal(stats.queue_high_water, 4);
});

void test('an outage at start and mid-run: retried with backoff, logged once each way, nothing lost', async () => {
  const broker = new FakeBroker();
  broker.down = true;
  const { p, lines } = publisher(broker, { mode: 'live' });
  p.start();
  for (let i = 0; i < 15; i++) p.publish(event(i));
  await tick(80);
  assert.equal(eventIds(broker.log).length, 0);
  broker.down = false;
  for (let i = 15; i < 30; i++) p.publish(event(i));
  await tick(80);
  assert.equal(eventIds(broker.log).length, 30);
  broker.down = true;
  for (let i = 30; i < 40; i++) p.publish(event(i));
  await tick(80);
  broker.down = false;
  const stats = await p.close(5_000);
  assertOnceInKeyOrder(broker.log, 40);
  assert.equal(stats.published, 40);
  assert.ok(stats.retries >= 4, `retries ${stats.retries}`);
  assert.equal(stats.outages, 2);
  assert.equal(lines.filter((l) => /kafka unavailable/.test(l.msg)).length, 2);
  assert.equal(lines.filter((l) => /kafka available again/.test(l.msg)).length, 2);
  // Exponential backoff capped: ~80 ms down at 5→10→20→20 ms gives a handful of attempts, not hundreds.
  assert.ok(stats.retries < 40, `retries ${stats.retries}`);
});

void test('a failed send is retried with exactly the same batch, even when more events arrived meanwhile', async () => {
  const broker = new FakeBroker();
  broker.ackLost = 1; // the broker writes the first batch but the reply is lost
  const { p } = publisher(broker, { batchMax: 10 });
  p.start();
  for (let i = 0; i < 3; i++) p.publish(event(i));
  await tick(2);
  for (let i = 3; i < 12; i++) p.publish(event(i));
  const stats = await p.close(5_000);
  const [first, second] = broker.sends;
  assert.ok(first !== undefined && second !== undefined);
  assert.deepEqual(second, first, 'the resend is the same records');
  assert.equal(eventIds(broker.log).length, 12, 'the double write was deduplicated');
  assert.equal(stats.published, 12);
});

void test('give-up-after: the broker never comes back → SIPWARD_BROKER_UNAVAILABLE, file input released', async () => {
  const broker = new FakeBroker();
  broker.down = true;
  let fatalSeen = false;
  const { p } = publisher(broker, { queueMax: 2, giveUpAfterMs: 50, onFatal: () => (fatalSeen = true) });
  p.start();
  for (let i = 0; i < 5; i++) p.publish(event(i));
  await assert.rejects(p.afterBatch(), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'SIPWARD_BROKER_UNAVAILABLE');
    assert.match(e.message, /^broker unreachable at fake:9092 after \d+ s$/);
    return true;
  });
  assert.equal(fatalSeen, true);
  await assert.rejects(p.close(1_000), /broker unreachable/);
  assert.deepEqual(p.stats.dropped, { shutdown: 5 });
});

void test('drain timeout: what cannot be flushed is counted as dropped (shutdown), close returns', async () => {
  const broker = new FakeBroker();
  broker.down = true;
  const { p, lines } = publisher(broker);
  p.start();
  for (let i = 0; i < 7; i++) p.publish(event(i));
  const started = Date.now();
  const stats = await p.close(100);
  assert.ok(Date.now() - started < 2_000);
  assert.equal(stats.published, 0);
  assert.deepEqual(stats.dropped, { shutdown: 7 });
  assert.ok(stats.outage_seconds >= 0.1);
  assert.ok(lines.some((l) => /drain timeout/.test(l.msg)));
});

void test('an existing topic with another partition count is used and logged', async () => {
  const broker = new FakeBroker();
  broker.createdTopics.push('sip.events');
  const { p, lines } = publisher(broker);
  p.start();
  p.publish(event(1));
  const stats = await p.close(5_000);
  assert.equal(stats.published, 1);
  const warn = lines.find((l) => /another partition count/.test(l.msg));
  assert.equal(warn?.partitions, 2);
  assert.equal(warn?.requested_partitions, 4);
});

void test('a record the broker rejects as too large: the batch is split, only that record is dropped', async () => {
  const broker = new FakeBroker();
  const tooLarge = Object.assign(new Error('The request included a message larger than the max message size'), {
    type: 'MESSAGE_TOO_LARGE',
  });
  const realSend = broker.send.bind(broker);
  broker.send = async (record) => {
    if (record.messages.some((m) => String(m.value).includes('"ev-2"'))) {
      broker.sends.push([...record.messages]);
      throw Object.assign(new Error('retries exceeded'), { cause: tooLarge });
    }
    return realSend(record);
  };
  const { p } = publisher(broker, { batchMax: 4 });
  p.start();
  for (let i = 0; i < 4; i++) p.publish(event(i));
  const stats = await p.close(5_000);
  assert.equal(stats.published, 3);
  assert.deepEqual(stats.dropped, { rejected_by_broker: 1 });
  assert.deepEqual(eventIds(broker.log), ['ev-0', 'ev-1', 'ev-3']);
});

void test('the broker lost the producer state (OUT_OF_ORDER_SEQUENCE_NUMBER): a new producer, then the same batch again', async () => {
  const broker = new FakeBroker();
  const lost = Object.assign(new Error('The broker received an out of order sequence number'), {
    type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    retriable: false,
  });
  const realSend = broker.send.bind(broker);
  let failures = 1;
  broker.send = async (record) => {
    if (failures-- > 0) {
      broker.sends.push([...record.messages]);
      throw Object.assign(new Error('KafkaJSNonRetriableError'), { cause: lost });
    }
    return realSend(record);
  };
  const { p, lines } = publisher(broker);
  p.start();
  for (let i = 0; i < 5; i++) p.publish(event(i));
  const stats = await p.close(5_000);
  assert.equal(broker.producersMade, 2, 'a second producer (new producer id)');
  assert.equal(stats.producer_resets, 1);
  assert.equal(stats.published, 5);
  assert.deepEqual(broker.sends[1], broker.sends[0]);
  assert.ok(lines.some((l) => /lost the idempotent producer state/.test(l.msg)));
});

void test("batch records are cut at the event-count and byte limits, each event in its key's partition", () => {
  const records = Array.from({ length: 30 }, (_, i) => toSipEventRecord(event(i)));
  const byCount = batchRecords(records, 'sip.events', 4, 1 << 20, 7);
  assert.ok(byCount.every((m) => Number(m.headers?.events) <= 7));
  assertOnceInKeyOrder(byCount, 30);
  const size = records[0]?.value.length ?? 0;
  const byBytes = batchRecords(records, 'sip.events', 4, size * 3 + 3, 1000);
  assert.ok(byBytes.every((m) => Number(m.headers?.events) <= 3));
  assertOnceInKeyOrder(byBytes, 30);
});
