// kafkajs 2.2.4 against the real broker of `scripts/services up` (Kafka 4.x, KRaft): proves
// that produce, consume and consumer-group offset commits work with the protocol versions
// kafkajs speaks, since Kafka 4.0 removed many old ones (KIP-896).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Admin, Consumer, ConsumerRunConfig, EachMessagePayload, LogEntry, Producer } from 'kafkajs';
import { kafkaBrokers, requireKafka, serviceVersions, uniqueName, waitFor } from './services';

// kafkajs errors go to the test output, except the retriable one every fresh broker answers
// while it creates __consumer_offsets: it is noise in a green run.
function logCreator(): (entry: LogEntry) => void {
  return ({ level, log }) => {
    if (level > logLevel.ERROR) return;
    if (/coordinator is not available/i.test(String(log.error))) return;
    console.error(`kafkajs: ${log.message} ${String(log.error ?? '')}`);
  };
}

interface Seen {
  offset: string;
  partition: number;
  key: string;
  value: string;
  schema: string | undefined;
}

function record(payload: EachMessagePayload): Seen {
  const { message, partition } = payload;
  const schema = message.headers?.['schema-version'];
  return {
    offset: message.offset,
    partition,
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    schema: schema === undefined ? undefined : String(schema),
  };
}

void describe('kafka (real broker)', () => {
  const kafka = new Kafka({
    clientId: 'sipward-integration',
    brokers: kafkaBrokers,
    logLevel: logLevel.ERROR,
    logCreator,
    // A new group coordinator or topic leader may need a moment after creation.
    retry: { retries: 8, initialRetryTime: 200 },
  });
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const topics: string[] = [];
  const groups: string[] = [];

  before(async () => {
    await requireKafka();
    admin = kafka.admin();
    await admin.connect();
    // DefaultPartitioner is kafkajs 2.x's murmur2 one; naming it silences the v2 warning.
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    if (producer !== undefined) await producer.disconnect().catch(() => undefined);
    if (admin !== undefined) {
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  async function freshTopic(prefix: string, numPartitions: number): Promise<string> {
    const topic = uniqueName(prefix);
    topics.push(topic);
    const created = await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    assert.equal(created, true, `topic ${topic} was not created`);
    return topic;
  }

  function newConsumer(groupId: string): Consumer {
    // Short fetch waits: disconnect() waits for the fetch in flight, which would slow every test.
    const c = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250 });
    consumers.push(c);
    return c;
  }

  /** Connects `consumer`, subscribes it to `topic` from the beginning and starts it with `config`. */
  async function runFromStart(consumer: Consumer, topic: string, config: ConsumerRunConfig): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run(config);
  }

  void test('broker answers metadata requests and reports its version', async () => {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1, 'scripts/services runs exactly one combined broker');
    assert.ok(cluster.clusterId.length > 0, 'cluster id');
    const versions = serviceVersions();
    const version = versions.kafka ?? 'unknown (not started by scripts/services)';
    console.log(`kafka broker ${version} (${versions.kafka_jar ?? 'jar unknown'}) at ${kafkaBrokers.join(',')}`);
    if (versions.kafka !== undefined) assert.match(versions.kafka, /^\d+\.\d+\.\d+$/);
  });

  void test('produce and consume through the broker on a fresh topic', async () => {
    const topic = await freshTopic('sipward-it-produce', 3);
    const groupId = uniqueName('sipward-it-group');
    groups.push(groupId);
    const n = 30;
    // Keyed like SIP events: every message of one dialog (Call-ID) goes to one partition.
    const messages = Array.from({ length: n }, (_, i) => ({
      key: `call-${i % 5}`,
      value: JSON.stringify({ i }),
      headers: { 'schema-version': '1' },
    }));
    const sent = await producer.send({ topic, messages });
    assert.ok(
      sent.every((r) => r.errorCode === 0),
      'produce errors',
    );

    const seen: Seen[] = [];
    const consumer = newConsumer(groupId);
    await runFromStart(consumer, topic, {
      eachMessage: async (p) => {
        seen.push(record(p));
      },
    });
    await waitFor(`${n} messages on ${topic}`, () => seen.length >= n);
    await consumer.disconnect();

    assert.equal(seen.length, n);
    assert.deepEqual(
      seen.map((s) => (JSON.parse(s.value) as { i: number }).i).sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.ok(
      seen.every((s) => s.schema === '1'),
      'headers survive the round trip',
    );
    // Same key => same partition.
    const partitionOf = new Map<string, number>();
    for (const s of seen) {
      const p = partitionOf.get(s.key);
      if (p === undefined) partitionOf.set(s.key, s.partition);
      else assert.equal(s.partition, p, `key ${s.key} spread over partitions`);
    }
  });

  void test('a consumer group resumes after its committed offset', async () => {
    const topic = await freshTopic('sipward-it-commit', 1);
    const groupId = uniqueName('sipward-it-commit-group');
    groups.push(groupId);
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: `m${i}` })),
    });

    // First member: reads from the start, commits "next offset = 5" by hand, then leaves.
    const first: Seen[] = [];
    let committed = false;
    const c1 = newConsumer(groupId);
    await runFromStart(c1, topic, {
      autoCommit: false,
      eachMessage: async (p) => {
        first.push(record(p));
        if (p.message.offset === '4' && !committed) {
          await c1.commitOffsets([{ topic, partition: 0, offset: '5' }]);
          committed = true;
        }
      },
    });
    await waitFor('first consumer to commit offset 5', () => committed);
    await c1.disconnect();
    assert.deepEqual(
      first.slice(0, 5).map((s) => s.value),
      ['m0', 'm1', 'm2', 'm3', 'm4'],
    );

    const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.ok(fetched !== undefined, 'fetchOffsets returned the topic');
    assert.deepEqual(
      fetched.partitions.map((p) => ({ partition: p.partition, offset: p.offset })),
      [{ partition: 0, offset: '5' }],
    );

    // Second member of the same group: fromBeginning must not matter once an offset is committed.
    const second: Seen[] = [];
    const c2 = newConsumer(groupId);
    await runFromStart(c2, topic, {
      autoCommit: false,
      eachMessage: async (p) => {
        second.push(record(p));
      },
    });
    await waitFor('second consumer to read the last 5 messages', () => second.length >= 5);
    await c2.commitOffsets([{ topic, partition: 0, offset: '10' }]);
    await c2.disconnect();

    assert.equal(second[0]?.offset, '5', 'resumed exactly after the committed offset');
    assert.deepEqual(
      second.map((s) => s.value),
      ['m5', 'm6', 'm7', 'm8', 'm9'],
    );
    const [final] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.equal(final?.partitions[0]?.offset, '10');
  });
});
