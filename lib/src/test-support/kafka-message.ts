//! A consumed Kafka record as the analyzer's stages receive it, for tests and benches that drive a
//! stage without a broker.
import type { KafkaMessage } from '../kafka/client';

export function kafkaMessage(offset: number, value: string | null, contentType?: string): KafkaMessage {
  return {
    key: null,
    value: value === null ? null : Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    offset: String(offset),
    headers: contentType === undefined ? {} : { 'content-type': Buffer.from(contentType) },
  } as KafkaMessage;
}
