// The observability hooks at the I/O adapters, against the real broker and index node: a subscriber
// to `sipward:kafka-produce`, `sipward:kafka-commit` and `sipward:es-bulk` sees each produce
// request, each offset commit and each bulk request that lib's Kafka adapter and the Elasticsearch
// indexer make. (Decode, alert and call-record channels: cli/src/jobs/channels.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createIdempotentProducer, createKafkaClient } from '../../lib/src/kafka/client';
import { createGroupConsumer } from '../../lib/src/kafka/group-consumer';
import type { EsBulkMessage, KafkaCommitMessage, KafkaProduceMessage } from '../../lib/src/metrics/channels';
import { ElasticIndexer } from '../../analyzer/src/index/elastic-indexer';
import { recordChannels } from '../../lib/src/test-support/channels';
import { elasticsearchUrl, kafkaBrokers, requireElasticsearch, requireKafka, uniqueName, waitFor } from './services';

const log = pino({ level: 'silent' });

void test('Kafka produce and commit and Elasticsearch bulk requests publish on their channels', async () => {
  await requireKafka();
  await requireElasticsearch();
  const channels = recordChannels(['sipward:kafka-produce', 'sipward:kafka-commit', 'sipward:es-bulk']);
  const produced = channels.messages<KafkaProduceMessage>('sipward:kafka-produce');
  const commits = channels.messages<KafkaCommitMessage>('sipward:kafka-commit');
  const bulks = channels.messages<EsBulkMessage>('sipward:es-bulk');

  const topic = uniqueName('channels');
  const group = uniqueName('channels-group');
  const kafka = createKafkaClient(
    { brokers: kafkaBrokers },
    { clientId: 'sipward-channels-test', log, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000 } },
  );
  const admin = kafka.admin();
  const producer = createIdempotentProducer(kafka);
  const consumer = createGroupConsumer(kafka, { groupId: group, sessionTimeoutMs: 10_000 });
  const indexer = new ElasticIndexer({
    connection: { node: elasticsearchUrl, requestTimeoutMs: 10_000 },
    namespace: uniqueName('channels').replace(/-/g, ''),
    logger: log,
  });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    assert.deepEqual(
      produced.map((p) => [p.topic, p.records, p.ok]),
      [[topic, 3, true]],
    );
    assert.ok((produced[0]?.seconds ?? -1) >= 0);

    await consumer.connect();
    await consumer.subscribe(topic);
    let seen = 0;
    await consumer.run(1, async ({ batch, resolveOffset }) => {
      seen += batch.messages.length;
      const last = batch.messages.at(-1);
      if (last === undefined) return;
      // Resolved, or the consumer fetches the same batch again (auto-resolve is off in the adapter).
      resolveOffset(last.offset);
      await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
    });
    await waitFor('the three records consumed and committed', () => seen >= 3 && commits.length > 0);
    assert.equal(seen, 3);
    assert.deepEqual(commits.at(-1), { group, offsets: [{ topic, partition: 0, offset: '3' }] });

    await indexer.setup();
    const bulksBefore = bulks.length;
    await indexer.write([{ target: 'call', id: 'channels-1', doc: { '@timestamp': new Date().toISOString() } }]);
    assert.equal(bulks.length, bulksBefore + 1);
    assert.equal(bulks.at(-1)?.documents, 1);
    assert.equal(bulks.at(-1)?.ok, true);
  } finally {
    channels.close();
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await indexer.close();
  }
});
