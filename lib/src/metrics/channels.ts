//! diagnostics_channel names the pipeline publishes on for the metrics it cannot pull from a stats
//! object (per-signature alerts, ES bulk latency, consumer lag). Publishing costs one boolean test
//! when nobody listens, so the core stays free of metric code; lib/src/metrics subscribes.
import { channel } from 'node:diagnostics_channel';

export interface AlertMessage {
  signature: string;
}

export interface EsBulkMessage {
  seconds: number;
  ok: boolean;
  documents: number;
}

export interface ConsumerLagMessage {
  topic: string;
  partition: number;
  lag: number;
}

export const alertChannel = channel('sipward:alert');
export const esBulkChannel = channel('sipward:es-bulk');
export const consumerLagChannel = channel('sipward:consumer-lag');

export function publishAlert(message: AlertMessage): void {
  if (alertChannel.hasSubscribers) alertChannel.publish(message);
}

export function publishEsBulk(message: EsBulkMessage): void {
  if (esBulkChannel.hasSubscribers) esBulkChannel.publish(message);
}

export function publishConsumerLag(message: ConsumerLagMessage): void {
  if (consumerLagChannel.hasSubscribers) consumerLagChannel.publish(message);
}
