//! Drops mirror duplicates: the same packet captured twice (SPAN of both directions, two taps),
//! recognised by a hash of its addresses, ports, TCP header and payload within a short packet-time window.

import type { L4Segment } from '../packet';
import { eventIdFor, eventIdWithMirrorLanes } from './event-id';
import { HOST_LE, wordsOf } from './words';

export interface MirrorDedupOptions {
  /**
   * Copies this close in packet time are one packet. A SPAN duplicate trails its original by
   * microseconds to a few ms; SIP retransmits over UDP start at T1 = 500 ms (RFC 3261 §17.1.1.2)
   * and a TCP RTO is ≥ 200 ms, so 50 ms keeps every real retransmission. A TCP fast retransmit
   * may land inside it: identical seq and bytes, which the reassembler would discard anyway.
   */
  windowMs: number;
  /** Packets remembered at once; beyond it the oldest is forgotten early (counted). */
  maxEntries: number;
}

export const DEFAULT_MIRROR_DEDUP_OPTIONS: MirrorDedupOptions = { windowMs: 50, maxEntries: 1 << 16 };

export interface MirrorDedupCounters {
  packets: number;
  duplicates: number;
  /** Entries forgotten before their window ended because the table was full. */
  evictedEarly: number;
}

const PROTO_CODE = { udp: 17, tcp: 6, sctp: 132 } as const;

/**
 * Two independent 32-bit hashes (FNV-1a and a Murmur-style mix) over the fields that do not change
 * between mirror copies. VLAN tags, tunnels, TTL and link headers are deliberately left out.
 * Combined into a 53-bit integer: a false match needs both to collide within one window.
 */
export function mirrorKey(seg: L4Segment): number {
  mixHeaderFields(seg);
  const p = seg.payload;
  const n = p.length;
  let h1 = k1;
  let h2 = k2;
  let i = 0;
  // Four bytes per step: this runs on every packet. Words come from an aligned copy when the host
  // is little-endian (one load per word), else from four byte loads; both give the same values.
  if (HOST_LE && n >= 4) {
    const words = wordsOf(p, 0, n);
    const count = n >>> 2;
    for (let w = 0; w < count; w++) {
      const x = words[w] ?? 0;
      h1 = Math.imul(h1 ^ x, 0x01000193);
      h2 = Math.imul(h2 ^ x, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    i = count * 4;
  }
  for (; i + 4 <= n; i += 4) {
    const w = ((p[i] ?? 0) | ((p[i + 1] ?? 0) << 8) | ((p[i + 2] ?? 0) << 16) | ((p[i + 3] ?? 0) << 24)) >>> 0;
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return finishKey(p, i, h1, h2);
}

const lanes = new Int32Array(2);
let pairedEventId = '';

/**
 * mirrorKey of a UDP datagram and, from the same pass over its payload, its event id
 * (event-id.ts `eventIdWithMirrorLanes`), read with `lastEventId()`: the datagram is hashed once
 * instead of twice (mirror key here, event id when its event is built). The key is mirrorKey's.
 */
export function mirrorKeyWithEventId(seg: L4Segment): number {
  if (!HOST_LE) {
    pairedEventId = eventIdFor(seg, seg.payload, 0, seg.payload.length);
    return mirrorKey(seg);
  }
  mixHeaderFields(seg);
  lanes[0] = k1;
  lanes[1] = k2;
  pairedEventId = eventIdWithMirrorLanes(seg, lanes);
  const n = seg.payload.length;
  return finishKey(seg.payload, n - (n & 3), lanes[0], lanes[1]);
}

/** The event id computed by the last mirrorKeyWithEventId. */
export function lastEventId(): string {
  return pairedEventId;
}

/** Lanes k1, k2 after the fields that do not change between mirror copies, payload length included. */
function mixHeaderFields(seg: L4Segment): void {
  // Module-level state instead of per-call closures; same values as mixing field by field.
  k1 = 0x811c9dc5;
  k2 = 0x9747b28c;
  mixStr(seg.srcIp);
  mixStr(seg.dstIp);
  mixNum(seg.srcPort | (seg.dstPort << 16));
  mixNum(PROTO_CODE[seg.protocol]);
  if (seg.tcp !== undefined) {
    mixNum(seg.tcp.seq);
    mixNum(seg.tcp.ack);
    mixNum(seg.tcp.flags);
  }
  mixNum(seg.payload.length);
}

/** The payload's 0–3 tail bytes from `i`, then the 53-bit key. */
function finishKey(p: Buffer, i: number, h1: number, h2: number): number {
  const n = p.length;
  for (; i < n; i++) {
    h1 = Math.imul(h1 ^ (p[i] ?? 0), 0x01000193);
    h2 = Math.imul(h2 ^ (p[i] ?? 0), 0x5bd1e995);
  }
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0x5bd1e995);
  h2 ^= h2 >>> 15;
  return (h1 >>> 0) * 0x200000 + (h2 & 0x1fffff);
}

let k1 = 0;
let k2 = 0;

function mixStr(s: string): void {
  let h1 = k1;
  let h2 = k2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  k1 = Math.imul(h1 ^ 0x7c, 0x01000193);
  k2 = h2;
}

function mixNum(n: number): void {
  k1 = Math.imul(k1 ^ (n & 0xffff), 0x01000193);
  k1 = Math.imul(k1 ^ (n >>> 16), 0x01000193);
  k2 = Math.imul(k2 ^ n, 0x5bd1e995);
  k2 ^= k2 >>> 13;
}

/** Marks a free slot of the key table: mirror keys are non-negative integers. */
const FREE = -1;
/** Key-table slots at start (32 KiB per array); doubled while the window holds more than half. */
const INITIAL_SLOTS = 4096;

/**
 * Time-ordered ring of (key, time) plus an open-addressing table key → time of the first copy,
 * both in typed arrays: a Map of 53-bit keys boxed a heap number per key and per time on every
 * packet, and those lived long enough (the window) to be promoted — a good part of decode's GC.
 * Old entries leave the ring head as packet time advances, so memory is bounded by maxEntries and
 * work is O(1) per packet.
 */
export class MirrorDedup {
  readonly counters: MirrorDedupCounters = { packets: 0, duplicates: 0, evictedEarly: 0 };
  private readonly opts: MirrorDedupOptions;
  private readonly ringKey: Float64Array;
  private readonly ringMs: Float64Array;
  private head = 0;
  private size = 0;
  private nowMs = 0;
  // Linear probing, at most half full (≥ 2 slots per ring entry), deletion by backward shift.
  // The table starts small and doubles as the window fills: a window holds a few thousand packets
  // on a busy link, and probing a table sized for maxEntries (2 MiB) missed the CPU cache on
  // nearly every packet.
  private slotKey: Float64Array;
  private slotMs: Float64Array;
  private mask: number;
  private readonly maxSlots: number;
  private used = 0;

  constructor(options: Partial<MirrorDedupOptions> = {}) {
    this.opts = { ...DEFAULT_MIRROR_DEDUP_OPTIONS, ...options };
    const cap = Math.max(1, this.opts.maxEntries);
    this.ringKey = new Float64Array(cap);
    this.ringMs = new Float64Array(cap);
    let slots = 4;
    while (slots < cap * 2) slots *= 2;
    this.maxSlots = slots;
    slots = Math.min(slots, INITIAL_SLOTS);
    this.slotKey = new Float64Array(slots).fill(FREE);
    this.slotMs = new Float64Array(slots);
    this.mask = slots - 1;
  }

  /** True when `seg` repeats a packet seen within the window: the caller drops it. */
  isDuplicate(seg: L4Segment): boolean {
    return this.isDuplicateKey(seg, mirrorKey(seg));
  }

  /** isDuplicate with the segment's mirror key already computed (mirrorKey or mirrorKeyWithEventId). */
  isDuplicateKey(seg: L4Segment, key: number): boolean {
    this.counters.packets++;
    const ms = seg.tsSec * 1000 + seg.tsNsec / 1e6;
    if (ms > this.nowMs) this.nowMs = ms;
    this.expire();
    const slot = this.find(key);
    // Two capture points may stamp the copies slightly out of order: compare both ways.
    if (slot >= 0 && Math.abs(ms - (this.slotMs[slot] ?? 0)) <= this.opts.windowMs) {
      this.counters.duplicates++;
      return true;
    }
    this.remember(key, ms, slot);
    return false;
  }

  get entries(): number {
    return this.used;
  }

  /** Slot of `key` in the table, or -1. */
  private find(key: number): number {
    const keys = this.slotKey;
    const mask = this.mask;
    // ToInt32 keeps the low 32 bits: h2's 21 well-mixed bits and 11 of h1's.
    for (let i = key & mask; ; i = (i + 1) & mask) {
      const k = keys[i] ?? FREE;
      if (k === key) return i;
      if (k === FREE) return -1;
    }
  }

  /** `slot`: where `key` already is, or -1. */
  private remember(key: number, ms: number, slot: number): void {
    const cap = this.ringKey.length;
    if (this.size === cap) {
      this.counters.evictedEarly++;
      this.dropHead();
      // The drop may have moved or removed this key's slot.
      if (slot >= 0) slot = this.find(key);
    }
    const at = (this.head + this.size) % cap;
    this.ringKey[at] = key;
    this.ringMs[at] = ms;
    this.size++;
    if (slot < 0) {
      if (2 * (this.used + 1) > this.slotKey.length && this.slotKey.length < this.maxSlots) this.grow();
      slot = this.insert(key);
      this.used++;
    }
    this.slotMs[slot] = ms;
  }

  /** A free slot for `key` (not in the table), taken; its time is the caller's to set. */
  private insert(key: number): number {
    const keys = this.slotKey;
    const mask = this.mask;
    let slot = key & mask;
    while (keys[slot] !== FREE) slot = (slot + 1) & mask;
    keys[slot] = key;
    return slot;
  }

  /** Doubles the key table, re-inserting every entry (their slots depend on the mask). */
  private grow(): void {
    const oldKeys = this.slotKey;
    const oldMs = this.slotMs;
    const slots = oldKeys.length * 2;
    this.slotKey = new Float64Array(slots).fill(FREE);
    this.slotMs = new Float64Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i] ?? FREE;
      if (key !== FREE) this.slotMs[this.insert(key)] = oldMs[i] ?? 0;
    }
  }

  private expire(): void {
    const limit = this.nowMs - this.opts.windowMs;
    while (this.size > 0 && (this.ringMs[this.head] ?? 0) < limit) this.dropHead();
  }

  private dropHead(): void {
    const key = this.ringKey[this.head] ?? 0;
    const ms = this.ringMs[this.head] ?? 0;
    // The key may have been re-remembered later (a new copy after the window): keep that one.
    const slot = this.find(key);
    if (slot >= 0 && this.slotMs[slot] === ms) this.remove(slot);
    this.head = (this.head + 1) % this.ringKey.length;
    this.size--;
  }

  /** Empties `slot`, shifting later entries of its probe run back so every lookup still finds them. */
  private remove(slot: number): void {
    const keys = this.slotKey;
    const times = this.slotMs;
    const mask = this.mask;
    let hole = slot;
    for (let i = (slot + 1) & mask; ; i = (i + 1) & mask) {
      const k = keys[i] ?? FREE;
      if (k === FREE) break;
      const home = k & mask;
      // Move k into the hole unless its home lies cyclically in (hole, i].
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        keys[hole] = k;
        times[hole] = times[i] ?? 0;
        hole = i;
      }
    }
    keys[hole] = FREE;
    this.used--;
  }
}
