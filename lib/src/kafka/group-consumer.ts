//! The consumer-group surface the analyzer's stages use, narrowed to what they call: a stage is
//! then tested with a plain object behind this interface (no broker), and the kafkajs consumer
//! stays here, in the one adapter.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { publishKafkaCommit } from '../metrics/channels';

/** One fetched batch of one partition. */
export interface GroupBatch {
  readonly partition: number;
  readonly highWatermark: string;
  readonly messages: readonly KafkaMessage[];
  firstOffset(): string | null;
}

export interface GroupBatchPayload {
  readonly batch: GroupBatch;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
  /** Marks the offset fetched past (never a commit: commits are explicit). */
  resolveOffset(offset: string): void;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface GroupConsumer {
  connect(): Promise<void>;
  /** From the beginning when the group has no committed offset. */
  subscribe(topic: string): Promise<void>;
  /** Manual commits, manual offset resolution; `concurrency` partitions processed at once. */
  run(concurrency: number, eachBatch: (payload: GroupBatchPayload) => Promise<void>): Promise<void>;
  commitOffsets(offsets: PartitionOffset[]): Promise<void>;
  seek(offset: PartitionOffset): void;
  disconnect(): Promise<void>;
  /** After each (re)join: the partitions of `topic` this member now owns. */
  onAssigned(topic: string, listener: (partitions: number[]) => void): void;
  onCrash(listener: (message: string, restart: boolean) => void): void;
}

export interface GroupConsumerOptions {
  groupId: string;
  sessionTimeoutMs: number;
  /**
   * Fetch limits (kafkajs defaults: 1 MiB per partition, 10 MiB per fetch, 5 s wait). Bytes as
   * stored (compressed); the broker still returns a first record batch larger than the limit.
   */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  maxWaitTimeMs?: number;
}

/** A kafkajs consumer behind GroupConsumer: retries for ever (outages are ridden out), read-committed. */
export function createGroupConsumer(kafka: Kafka, options: GroupConsumerOptions): GroupConsumer {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: 3000,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    readUncommitted: false,
    ...(options.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.maxWaitTimeMs !== undefined ? { maxWaitTimeInMs: options.maxWaitTimeMs } : {}),
  });
  return {
    connect: () => consumer.connect(),
    subscribe: (topic) => consumer.subscribe({ topics: [topic], fromBeginning: true }),
    run: (concurrency, eachBatch) =>
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch,
      }),
    commitOffsets: async (offsets) => {
      await consumer.commitOffsets(offsets);
      publishKafkaCommit({ group: options.groupId, offsets });
    },
    seek: (offset) => consumer.seek(offset),
    disconnect: () => consumer.disconnect(),
    onAssigned: (topic, listener) => {
      consumer.on(consumer.events.GROUP_JOIN, (e) => listener([...(e.payload.memberAssignment[topic] ?? [])]));
    },
    onCrash: (listener) => {
      consumer.on(consumer.events.CRASH, (e) => listener(e.payload.error.message, e.payload.restart));
    },
  };
}
