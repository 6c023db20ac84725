// Several capture files in any order are read in capture-time order (mergecap semantics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SipEvent } from '../../../schema/src/sip-event';
import { createLogger } from '../../../lib/src/logger';
import { decodeInputs } from '../decode';
import { sipPayload, udpFrame, writePcap, type TestPacket } from '../../../lib/src/test-support/capture';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { decodedEvents } from '../test-support/decoded-events';

const T0 = 1_795_000_000;

function options(n: number, t: number): TestPacket {
  return { data: udpFrame(40000 + n, 5060, sipPayload('OPTIONS', `X-Seq: ${n}\r\n`)), tsSec: T0 + t, tsNsec: 0 };
}

void test('files named out of order are read in capture-time order, interleaved where they overlap', async () => {
  const dir = tempDir();
  // morning: t = 0, 2, 4; noon: t = 1, 3, 5 (overlapping); evening: t = 10, 11.
  const morning = writePcap(join(dir, 'morning.pcap'), [options(0, 0), options(2, 2), options(4, 4)]);
  const noon = writePcap(join(dir, 'noon.pcap'), [options(1, 1), options(3, 3), options(5, 5)]);
  const evening = writePcap(join(dir, 'evening.pcap'), [options(10, 10), options(11, 11)]);
  const want = [0, 1, 2, 3, 4, 5, 10, 11];
  for (const order of [
    [evening, noon, morning],
    [noon, evening, morning],
    [morning, noon, evening],
  ]) {
    const events = await decodedEvents(order);
    assert.deepEqual(
      events.map((e) => e.source.port - 40000),
      want,
      order.map((p) => p.split('/').pop()).join(' '),
    );
  }
});

void test('a missing file among several fails before anything is decoded', async () => {
  const dir = tempDir();
  const ok = writePcap(join(dir, 'ok.pcap'), [options(0, 0)]);
  const events: SipEvent[] = [];
  await assert.rejects(
    decodeInputs(
      { captures: [ok, join(dir, 'missing.pcap')], log: createLogger('silent') },
      { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
    ),
  );
  assert.equal(events.length, 0);
});
