//! toJsonLine: one line per event, round-trips, escapes control and non-ASCII text safely.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../sip/parser';
import { fixture } from '../sip/test-helpers';
import { toJsonLine } from './jsonl';
import { toSipEvent } from './to-sip-event';

void test('one line, round-trips, control characters escaped', () => {
  for (const name of ['intmeth', 'unreason', 'wsinv', 'escnull']) {
    const b = fixture(name);
    const e = toSipEvent(
      parseSipMessage(b, 0, b.length),
      {
        tsSec: 1,
        tsNsec: 2,
        srcIp: '::1',
        dstIp: '::2',
        srcPort: 1,
        dstPort: 2,
        protocol: 'udp',
        vlan: [],
        tunnel: [],
      },
      { transport: 'udp' },
    );
    const line = toJsonLine(e);
    assert.equal(line.indexOf('\n'), line.length - 1, name);
    for (let i = 0; i < line.length - 1; i++)
      assert.ok(line.charCodeAt(i) >= 0x20, `${name}: raw control char at ${i}`);
    assert.deepEqual(JSON.parse(line), e, name);
  }
});
