import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyNet, readClassicPcap, relocate } from './attack-overlay';
import { repoRoot } from '../lib/src/repo-root';

void test('a relocated attack frame: own site range, own Call-ID and branch, consistent lengths and checksum', () => {
  const frames = readClassicPcap(readFileSync(join(repoRoot(), 'samples', 'demo-attacks.pcap')));
  const original = frames.find((f) => f.frame.toString('latin1').includes('Call-ID:'))?.frame;
  assert.ok(original !== undefined);
  const moved = relocate(original, copyNet(12), 'c12-');
  const text = moved.subarray(42).toString('latin1');
  assert.ok(!text.includes('10.77.0.'), 'no address of the original range left in the SIP text');
  assert.match(text, /^Call-ID: c12-/m);
  assert.match(text, /branch=z9hG4bKc12-/);
  assert.deepEqual([moved[26], moved[27], moved[28]], [10, 71, 2], 'source address in 10.71.2.0/24');
  assert.equal(moved.readUInt16BE(16), moved.length - 14, 'IPv4 total length');
  assert.equal(moved.readUInt16BE(38), moved.length - 34, 'UDP length');
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += moved.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  assert.equal(sum, 0xffff, 'IPv4 header checksum verifies');
});
