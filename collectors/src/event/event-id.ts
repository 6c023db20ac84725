//! Deterministic SIP event ids: a 64-bit hash of the packet meta and the message bytes, so that
//! re-reading the same capture yields the same event.id (re-delivery to Kafka/ES is harmless).

import type { L4Segment } from '../packet';
import { HOST_LE, wordsOf } from './words';

export type EventIdMeta = Pick<L4Segment, 'tsSec' | 'tsNsec' | 'srcIp' | 'dstIp' | 'srcPort' | 'dstPort' | 'protocol'>;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

// Two MurmurHash3 (x86_32) lanes with different seeds, fed the same 32-bit words: 4 bytes per
// step instead of FNV-1a's 1, which matters at ~700 bytes per INVITE.
let h1 = 0;
let h2 = 0;

const oneWord = new Int32Array(1);
const metaWords = new Int32Array(4);

/** One 32-bit word into the lanes. */
function mix(k: number): void {
  oneWord[0] = k;
  mixWords(oneWord, 1);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes words[0, count) into the lanes, which sit in locals for the loop. */
function mixWords(words: Int32Array, count: number): void {
  let a = h1;
  let b = h2;
  for (let i = 0; i < count; i++) {
    const k = scramble(words[i] ?? 0);
    a = stepLaneA(a, k);
    b = stepLaneB(b, k);
  }
  h1 = a;
  h2 = b;
}

// One word's Murmur steps; small enough that the optimising compiler inlines them into the loops.
function scramble(word: number): number {
  const k = Math.imul(word, C1);
  return Math.imul((k << 15) | (k >>> 17), C2);
}

function stepLaneA(a: number, k: number): number {
  a ^= k;
  a = (a << 13) | (a >>> 19);
  return (Math.imul(a, 5) + 0xe6546b64) | 0;
}

function stepLaneB(b: number, k: number): number {
  b ^= k;
  b = (b << 17) | (b >>> 15);
  return (Math.imul(b, 9) + 0x38495ab5) | 0;
}

let charWords = new Int32Array(64);

function mixString(s: string): void {
  // Addresses are ASCII; one char per step keeps it simple, a separator ends the field. The chars
  // go through mixWords: ~35 steps per message, one mix() call each cost a fifth of the id.
  const n = s.length;
  if (n >= charWords.length) charWords = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) charWords[i] = s.charCodeAt(i);
  charWords[n] = 0xffff;
  mixWords(charWords, n + 1);
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

function hex32(n: number): string {
  return (HEX[n >>> 24] ?? '') + (HEX[(n >>> 16) & 0xff] ?? '') + (HEX[(n >>> 8) & 0xff] ?? '') + (HEX[n & 0xff] ?? '');
}

/**
 * 16 lower-case hex chars from (tsSec, tsNsec, protocol, src ip:port, dst ip:port, message bytes
 * buf[start..end)). Same inputs → same id on every run and machine.
 */
export function eventIdFor(meta: EventIdMeta, buf: Buffer, start: number, end: number): string {
  seedLanes(meta);
  let p = start;
  if (HOST_LE && end - start >= 4) {
    // Same words as the byte loop in finishId, loaded from an aligned copy.
    const count = (end - start) >>> 2;
    mixWords(wordsOf(buf, start, end), count);
    p += count * 4;
  }
  return finishId(buf, p, end, end - start);
}

/**
 * A whole datagram's event id — eventIdFor(seg, seg.payload, 0, its length) — computed in the
 * same pass over the payload words as its mirror-dedup lanes (mirror-dedup.ts), so that each
 * datagram is read once for both hashes. `mirror` holds the two mirror lanes after the packet's
 * header fields and leaves with the lanes after the payload's whole words; `mirrorStep` is their
 * step per word. Little-endian hosts only (HOST_LE), the one pass needs the aligned words.
 */
export function eventIdWithMirrorLanes(seg: EventIdMeta & { payload: Buffer }, mirror: Int32Array): string {
  seedLanes(seg);
  const payload = seg.payload;
  const n = payload.length;
  const count = n >>> 2;
  let a = h1;
  let b = h2;
  let m1 = mirror[0] ?? 0;
  let m2 = mirror[1] ?? 0;
  if (count > 0) {
    const words = wordsOf(payload, 0, n);
    for (let i = 0; i < count; i++) {
      const x = words[i] ?? 0;
      m1 = Math.imul(m1 ^ x, 0x01000193);
      m2 = Math.imul(m2 ^ x, 0x5bd1e995);
      m2 ^= m2 >>> 15;
      const k = scramble(x);
      a = stepLaneA(a, k);
      b = stepLaneB(b, k);
    }
  }
  h1 = a;
  h2 = b;
  mirror[0] = m1;
  mirror[1] = m2;
  return finishId(payload, count * 4, n, n);
}

/** The lanes after the packet meta: time, ports, protocol and addresses. */
function seedLanes(meta: EventIdMeta): void {
  h1 = 0x9747b28c;
  h2 = 0x3c6ef372;
  metaWords[0] = meta.tsSec >>> 0;
  metaWords[1] = Math.floor(meta.tsSec / 0x100000000) >>> 0;
  metaWords[2] = meta.tsNsec >>> 0;
  metaWords[3] = (meta.srcPort << 16) | (meta.dstPort & 0xffff);
  mixWords(metaWords, 4);
  mixString(meta.protocol);
  mixString(meta.srcIp);
  mixString(meta.dstIp);
}

/** Mixes buf[p, end) (whole words, then the 0–3 tail bytes as one word) and the length; the id. */
function finishId(buf: Buffer, p: number, end: number, len: number): string {
  const stop = end - 3;
  while (p < stop) {
    mix((buf[p] ?? 0) | ((buf[p + 1] ?? 0) << 8) | ((buf[p + 2] ?? 0) << 16) | ((buf[p + 3] ?? 0) << 24));
    p += 4;
  }
  let tail = 0;
  let shift = 0;
  while (p < end) {
    tail |= (buf[p++] ?? 0) << shift;
    shift += 8;
  }
  mix(tail);
  h1 ^= len;
  h2 ^= len;
  const a = fmix((h1 + h2) | 0);
  const b = fmix((h2 + a) | 0);
  lastId = hex32(a) + hex32(b);
  return lastId;
}

let lastId = '';

/**
 * Whether `id` is the id computed last (on this thread): then it is hex digits only, which lets
 * toJsonLine skip scanning it for characters to escape (jsonl.ts). Same object: one comparison.
 */
export function isLastEventId(id: string): boolean {
  return id === lastId;
}
