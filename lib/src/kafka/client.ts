//! The one place that builds a kafkajs client (issue 18: collect and the analyzer share it).
//! Everything else imports Kafka types and helpers from here, never from 'kafkajs' directly, so a
//! second client could sit behind the same functions. kafkajs' own retries are kept short: the
//! callers' outer loops (lib/src/retry.ts) ride out long outages and log them once.
import { CompressionTypes, Kafka, Partitioners, logLevel } from 'kafkajs';
import type { LogEntry, Producer, ProducerRecord } from 'kafkajs';
import type { Logger } from '../logger';
import type { KafkaConnection } from './connection';
import { kafkaProduceChannel, publishKafkaProduce } from '../metrics/channels';
import { murmur2Partition } from './murmur2';

export { CompressionTypes, Partitioners };
export type { Admin, Consumer, Kafka, KafkaMessage, Message, Producer, ProducerRecord } from 'kafkajs';

export interface KafkaClientOptions {
  clientId: string;
  log: Logger;
  /** kafkajs' per-request retries (default: 2 tries, 100 ms → 1 s). */
  retry?: { retries: number; initialRetryTime: number; maxRetryTime: number };
  connectionTimeoutMs?: number;
  /**
   * `quiet`: client logs at debug only (the caller logs outages itself, once);
   * `errors`: the client's errors are warnings (daemons that have no outer log of their own).
   */
  logging?: 'quiet' | 'errors';
}

export const SHORT_RETRY = { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } as const;

/** A kafkajs client whose logs go to pino. */
export function createKafkaClient(connection: KafkaConnection, options: KafkaClientOptions): Kafka {
  const log = options.log;
  const quiet = (options.logging ?? 'quiet') === 'quiet';
  return new Kafka({
    clientId: options.clientId,
    ...connection,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    retry: options.retry ?? SHORT_RETRY,
    logLevel: quiet ? (log.isLevelEnabled('debug') ? logLevel.INFO : logLevel.NOTHING) : logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (!quiet && level <= logLevel.ERROR) log.warn({ kafkajs: namespace, kafka: rest }, `kafka: ${message}`);
        else log.debug({ kafkajs: namespace, kafka: rest }, `kafka: ${message}`);
      },
  });
}

/** Idempotent producer, one request in flight (ordering survives retries), murmur2 partitioner. */
export function createIdempotentProducer(kafka: Kafka, retry?: KafkaClientOptions['retry']): Producer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // kafkajs 2.x's murmur2 partitioner (Java-compatible); naming it silences the v2 notice.
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(retry !== undefined ? { retry } : {}),
  });
  return observeProduce(producer);
}

/** Publishes every produce request on `sipward:kafka-produce` (records, seconds, acknowledged or not). */
export function observeProduce(producer: Producer): Producer {
  const send = producer.send.bind(producer);
  producer.send = async (record: ProducerRecord) => {
    if (!kafkaProduceChannel.hasSubscribers) return send(record);
    const started = performance.now();
    const report = (ok: boolean): void =>
      publishKafkaProduce({
        topic: record.topic,
        records: record.messages.length,
        seconds: (performance.now() - started) / 1000,
        ok,
      });
    try {
      const result = await send(record);
      report(true);
      return result;
    } catch (error) {
      report(false);
      throw error;
    }
  };
  return producer;
}

/** The broker's error type (kafkajs wraps it in retry errors: look through `cause`). */
export function hasKafkaErrorType(error: unknown, types: readonly string[]): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const type = (e as Error & { type?: unknown }).type;
    if (typeof type === 'string' && types.includes(type)) return true;
  }
  return false;
}

/** The broker refused a record or a request as too large. */
export function isTooLarge(error: unknown): boolean {
  return hasKafkaErrorType(error, ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
}

/**
 * The broker lost this idempotent producer's state (a restarted broker answers these for ever):
 * only a new producer id gets out of it.
 */
export function lostProducerState(error: unknown): boolean {
  return hasKafkaErrorType(error, [
    'OUT_OF_ORDER_SEQUENCE_NUMBER',
    'UNKNOWN_PRODUCER_ID',
    'INVALID_PRODUCER_EPOCH',
    'DUPLICATE_SEQUENCE_NUMBER',
  ]);
}

/**
 * The partition the client's default partitioner (murmur2, Java-compatible) gives a key: a
 * producer that writes one record per partition must put each event where its key would go.
 * (`topic` is kept for callers: the partition does not depend on it.)
 */
export function keyPartition(_topic: string, key: string, partitions: number): number {
  return murmur2Partition(key, partitions);
}
