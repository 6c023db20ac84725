// The observability hooks (lib/src/metrics/channels.ts) seen from a subscriber, the way a metrics
// or tracing module would attach: `analyze` on the demo capture publishes one decode-batch message
// per capture batch, one alert message per alert it writes and one call-record message per call
// record, and the messages add up to what the run reports and writes. (The Kafka and
// Elasticsearch channels: test/integration/channels.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import type { Alert } from '../../../schema/src/alert';
import type { CallRecordMessage, AlertMessage, DecodeBatchMessage } from '../../../lib/src/metrics/channels';
import { repoPath } from '../../../lib/src/repo-root';
import { recordChannels } from '../../../lib/src/test-support/channels';
import { runAnalyze } from './analyze';

function collect(stream: PassThrough): () => string[] {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () =>
    Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '');
}

void test('analyze publishes decode batches, alerts and call records on their channels', async () => {
  const channels = recordChannels(['sipward:decode-batch', 'sipward:alert', 'sipward:call-record']);
  const out = new PassThrough();
  const callsOut = new PassThrough();
  const alertLines = collect(out);
  const callLines = collect(callsOut);
  try {
    const summary = await runAnalyze({
      captures: [repoPath('samples', 'demo-attacks.pcap')],
      log: pino({ level: 'silent' }),
      rulesDirs: [],
      formatAlert: (alert: Alert) => JSON.stringify(alert) + '\n',
      out,
      callsOut,
    });
    const batches = channels.messages<DecodeBatchMessage>('sipward:decode-batch');
    const alerts = channels.messages<AlertMessage>('sipward:alert');
    const calls = channels.messages<CallRecordMessage>('sipward:call-record');
    assert.ok(batches.length > 0);
    const sum = (pick: (b: DecodeBatchMessage) => number): number => batches.reduce((n, b) => n + pick(b), 0);
    assert.equal(
      sum((b) => b.packets),
      summary.decode.packets,
    );
    assert.equal(
      sum((b) => b.sipMessages),
      summary.decode.sip_messages,
    );

    const written = alertLines().map((line) => JSON.parse(line) as Alert);
    assert.ok(written.length > 0, 'the demo capture raises alerts');
    assert.deepEqual(
      alerts.map((a) => [a.signature, a.id]),
      written.map((a) => [a.rule.id, a.event.id]),
    );

    const records = callLines().map((line) => JSON.parse(line) as { call_id: string });
    assert.ok(records.length > 0, 'the demo capture has calls');
    assert.deepEqual(
      calls.map((c) => c.record.call_id),
      records.map((r) => r.call_id),
    );
  } finally {
    channels.close();
  }
});
