//! Property tests (fast-check): for arbitrary bytes and for mutated valid messages the parser never
//! throws, finishes quickly and keeps its output within the configured bounds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { DEFAULT_SIP_LIMITS } from './limits';
import { MUTATIONS, mutate, rng } from './mutate';
import { parseSipMessage, probeSip, type SipMessage } from './parser';
import { fixture, fixtureDir, invite } from './test-helpers';

const LONG = process.env['SIPWARD_LONG_TESTS'] === '1';
const RUNS = LONG ? 20_000 : 1_000;

const SEEDS: Buffer[] = [invite(), ...readdirSync(fixtureDir()).map((f) => fixture(f.replace(/\.sip$/, '')))];

/** Every string in the event is capped; every list is bounded; size never exceeds the input. */
function assertBounded(m: SipMessage, inputLength: number): void {
  const L = DEFAULT_SIP_LIMITS;
  assert.ok(m.sip.size <= inputLength && m.sip.size >= 0);
  assert.ok(m.headers.length <= L.maxHeaders);
  assert.ok((m.sip.via?.length ?? 0) <= L.maxVia);
  assert.ok((m.sip.contact?.length ?? 0) <= L.maxVia);
  assert.ok((m.sip.route?.length ?? 0) <= L.maxVia);
  assert.ok((m.sip.identity?.pai?.length ?? 0) <= L.maxVia);
  assert.ok(m.anomalies.length <= 64);
  const walk = (v: unknown): void => {
    if (typeof v === 'string') assert.ok(v.length <= L.maxUriBytes, `string of ${v.length}`);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(m.sip);
  // The event must serialise (no cycles, no BigInt).
  assert.equal(typeof JSON.stringify(m.sip), 'string');
}

function check(b: Buffer): void {
  const t0 = performance.now();
  const m = parseSipMessage(b, 0, b.length);
  probeSip(b, 0, b.length);
  parseSipMessage(b, 0, b.length, { stream: true });
  const ms = performance.now() - t0;
  // Generous bound (CI noise); a super-linear path would take seconds on these inputs.
  assert.ok(ms < 250, `took ${ms.toFixed(1)} ms for ${b.length} bytes`);
  assertBounded(m, b.length);
}

void test('arbitrary bytes: never throws, bounded output', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      check(Buffer.from(bytes));
    }),
    { numRuns: RUNS },
  );
});

void test('SIP-looking text from a SIP alphabet: never throws, bounded output', () => {
  const piece = fc.constantFrom(
    'INVITE ',
    'SIP/2.0',
    ' ',
    '\r\n',
    '\n',
    ':',
    ';',
    ',',
    '"',
    '\\',
    '<',
    '>',
    '[',
    ']',
    '@',
    'sip:',
    'tel:',
    'Via',
    'v',
    'From',
    'f',
    'To',
    'Contact',
    'm',
    'CSeq',
    'Call-ID',
    'l',
    'Content-Length',
    'Content-Type: multipart/mixed;boundary=b',
    '--b',
    'application/sdp',
    'v=0',
    'm=audio 1 RTP/AVP 0',
    'c=IN IP4 1.2.3.4',
    'branch=',
    'tag=',
    'expires=',
    '0',
    '99999999999999999999',
    '-',
    '=',
    '\t',
    '\0',
    'Digest username="x"',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 300 }), (parts) => {
      check(Buffer.from(parts.join(''), 'latin1'));
    }),
    { numRuns: RUNS },
  );
});

void test('mutated valid messages: byte flips, truncations, insertions, duplicated lines', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: SEEDS.length - 1 }),
      fc.array(fc.constantFrom(...MUTATIONS), { minLength: 1, maxLength: 8 }),
      fc.integer(),
      (seedIndex, kinds, seed) => {
        const r = rng(seed);
        let b = SEEDS[seedIndex] ?? Buffer.alloc(0);
        for (const k of kinds) b = mutate(b, k, r);
        check(b);
      },
    ),
    { numRuns: RUNS },
  );
});

void test('adversarial shapes stay linear: long runs of separators', () => {
  const shapes = [
    'INVITE sip:a@b SIP/2.0\r\nVia: ' + ','.repeat(60_000) + '\r\n\r\n',
    'INVITE sip:a@b SIP/2.0\r\nContact: ' + '<'.repeat(60_000) + '\r\n\r\n',
    'INVITE sip:a@b SIP/2.0\r\nFrom: ' + '"\\'.repeat(30_000) + '\r\n\r\n',
    'INVITE sip:a@b SIP/2.0\r\nTo: <sip:a@b>' + ';x'.repeat(30_000) + '\r\n\r\n',
    'INVITE sip:a@b SIP/2.0\r\n' + 'X: y\r\n'.repeat(10_000) + '\r\n',
    'INVITE sip:a@b SIP/2.0\r\nHistory-Info: ' + '<sip:a@b>,'.repeat(6000) + '\r\n\r\n',
    'INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h' + ';branch=x'.repeat(6000) + '\r\n\r\n',
    'INVITE sip:a@b SIP/2.0\r\nContent-Type: multipart/mixed;boundary=a\r\n\r\n' + '--a\r\n'.repeat(12_000),
    'INVITE sip:a@b SIP/2.0\r\nContent-Type: application/sdp\r\n\r\n' + 'm=audio 1 RTP/AVP 0\r\n'.repeat(3000),
    'INVITE sip:a@b SIP/2.0\r\n' + ' x\r\n'.repeat(15_000) + '\r\n',
    'INVITE ' + 'a'.repeat(60_000) + ' SIP/2.0\r\n\r\n',
  ];
  for (const s of shapes) check(Buffer.from(s, 'latin1'));
});
