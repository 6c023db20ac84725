// `--threads`: batches decoded by a parse worker and by the reading thread itself (when the worker
// holds enough) come out in input order, byte for byte what one thread writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJsonLine } from './event/jsonl';
import { ParallelMessageDecoder, workerScript } from './parallel-decode';
import { SipMessageDecoder, type MessageDecodeOptions, type RawSipMessage } from './sip-message';

function message(i: number): RawSipMessage {
  const text =
    `OPTIONS sip:${1000 + (i % 50)}@192.0.2.21 SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 203.0.113.${i % 200}:5060;branch=z9hG4bK-${i}\r\n` +
    `From: <sip:100@203.0.113.${i % 200}>;tag=t${i}\r\nTo: <sip:${1000 + (i % 50)}@192.0.2.21>\r\n` +
    `Call-ID: c${i}@test\r\nCSeq: ${i + 1} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  return {
    data: Buffer.from(text, 'latin1'),
    meta: {
      tsSec: 1_790_000_000 + Math.floor(i / 1000),
      tsNsec: (i % 1000) * 1000,
      srcIp: `203.0.113.${i % 200}`,
      dstIp: '192.0.2.21',
      srcPort: 5060,
      dstPort: 5060,
      protocol: 'udp',
      vlan: [],
      tunnel: [],
    },
    transport: 'udp',
    streamAnomalies: [],
    missingContentLength: false,
  };
}

void test('two threads: worker and reading thread share the batches, output in order and identical', async () => {
  const script = workerScript('parse-worker');
  assert.ok(script !== undefined, 'parse-worker.js is built');
  const options: MessageDecodeOptions = { withRaw: true };
  const messages = Array.from({ length: 12_000 }, (_, i) => message(i));
  const one = new SipMessageDecoder(options);
  const expected = messages.map((m) => toJsonLine(one.decode(m))).join('');
  const chunks: Buffer[] = [];
  let counted = 0;
  const parallel = new ParallelMessageDecoder(2, script, options, {
    onLines: (chunk) => chunks.push(Buffer.from(chunk)),
    onCounters: (c) => (counted += c.sip_messages),
  });
  // Added without yielding, as a capture batch is: the worker falls behind, this thread takes over.
  for (const m of messages) parallel.add(m);
  await parallel.finish();
  assert.equal(counted, messages.length);
  assert.ok(parallel.decodedHere > 0, 'the reading thread decoded batches');
  assert.ok(parallel.decodedHere < Math.ceil(messages.length / 1024), 'the worker decoded batches');
  assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
});
