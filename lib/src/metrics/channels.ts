//! The observability hooks: `node:diagnostics_channel` channels the hot paths publish on, so that
//! metrics and tracing attach from outside (`diagnostics_channel.subscribe('sipward:…', fn)`)
//! without touching the core, as undici and @platformatic/kafka do. Publishing costs one boolean
//! test when nobody listens. Names and message shapes are listed in README "Metrics".
import { channel } from 'node:diagnostics_channel';
import type { CallRecord } from '../../../schema/src/call-record';

/** One capture batch decoded (per batch, not per message, to stay cheap). Counts are of this batch. */
export interface DecodeBatchMessage {
  packets: number;
  sipMessages: number;
}

/** An alert (version) left the engine's process: written by `analyze`, indexed by the analyzer daemon. */
export interface AlertMessage {
  signature: string;
  /** The alert's `event.id`. */
  id: string;
}

/** A call record closed (the INVITE dialog is over, expired or evicted). */
export interface CallRecordMessage {
  record: CallRecord;
}

export interface EsBulkMessage {
  seconds: number;
  ok: boolean;
  documents: number;
}

/** One produce request to Kafka, acknowledged (`ok`) or failed. */
export interface KafkaProduceMessage {
  topic: string;
  records: number;
  seconds: number;
  ok: boolean;
}

/** Consumer-group offsets committed. */
export interface KafkaCommitMessage {
  group: string;
  offsets: { topic: string; partition: number; offset: string }[];
}

export interface ConsumerLagMessage {
  topic: string;
  partition: number;
  lag: number;
}

export const decodeBatchChannel = channel('sipward:decode-batch');
export const alertChannel = channel('sipward:alert');
export const callRecordChannel = channel('sipward:call-record');
export const esBulkChannel = channel('sipward:es-bulk');
export const kafkaProduceChannel = channel('sipward:kafka-produce');
export const kafkaCommitChannel = channel('sipward:kafka-commit');
export const consumerLagChannel = channel('sipward:consumer-lag');

export function publishDecodeBatch(message: DecodeBatchMessage): void {
  if (decodeBatchChannel.hasSubscribers) decodeBatchChannel.publish(message);
}

export function publishAlert(message: AlertMessage): void {
  if (alertChannel.hasSubscribers) alertChannel.publish(message);
}

export function publishCallRecord(message: CallRecordMessage): void {
  if (callRecordChannel.hasSubscribers) callRecordChannel.publish(message);
}

export function publishEsBulk(message: EsBulkMessage): void {
  if (esBulkChannel.hasSubscribers) esBulkChannel.publish(message);
}

export function publishKafkaProduce(message: KafkaProduceMessage): void {
  if (kafkaProduceChannel.hasSubscribers) kafkaProduceChannel.publish(message);
}

export function publishKafkaCommit(message: KafkaCommitMessage): void {
  if (kafkaCommitChannel.hasSubscribers) kafkaCommitChannel.publish(message);
}

export function publishConsumerLag(message: ConsumerLagMessage): void {
  if (consumerLagChannel.hasSubscribers) consumerLagChannel.publish(message);
}
