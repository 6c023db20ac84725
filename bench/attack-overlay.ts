//! Attacks among normal traffic, for the realistic pipeline capture: copies of a recorded attack
//! capture (samples/demo-attacks.pcap: one attacker's sweep, enumeration, cracking and flood among
//! a phone's ordinary traffic) are laid over the uniform traffic, a new copy every `everyMs` of
//! capture time, each moved into its own site range (10.77.0.0/24 → 10.7x.y.0/24) and given its
//! own Call-IDs and Via branches (else a copy's requests look like retransmissions of the first
//! copy's and count for nothing), so each copy opens its own incidents. IPv4 and UDP lengths and
//! the IPv4 header checksum are rewritten; UDP checksums are cleared (0 = none, valid for IPv4).
import { readFileSync } from 'node:fs';
import { internetChecksum } from '../lib/src/test-support/capture/frames';

export interface CapturedFrame {
  /** Offset from the capture's first packet, µs. */
  offsetUs: number;
  frame: Buffer;
}

/** Pure: the frames of a classic little-endian µs pcap with Ethernet link type. */
export function readClassicPcap(data: Buffer): CapturedFrame[] {
  if (data.length < 24 || data.readUInt32LE(0) !== 0xa1b2c3d4 || data.readUInt32LE(20) !== 1)
    throw new Error('attack capture: a classic little-endian µs pcap of Ethernet frames is expected');
  const frames: CapturedFrame[] = [];
  let first: number | undefined;
  for (let at = 24; at + 16 <= data.length;) {
    const ts = data.readUInt32LE(at) * 1e6 + data.readUInt32LE(at + 4);
    const len = data.readUInt32LE(at + 8);
    first ??= ts;
    frames.push({ offsetUs: ts - first, frame: Buffer.from(data.subarray(at + 16, at + 16 + len)) });
    at += 16 + len;
  }
  return frames;
}

/** The site range of copy `n`: 10.70.0. … 10.79.9. (100 ranges, then they repeat). */
export function copyNet(n: number): string {
  const k = n % 100;
  return `10.7${Math.floor(k / 10)}.${k % 10}.`;
}

/** Pure: the frame moved into `net`, its Call-IDs and branches prefixed with `tag` (UDP only). */
export function relocate(frame: Buffer, net: string, tag: string): Buffer {
  if (frame.length < 34 || frame.readUInt16BE(12) !== 0x0800) return frame;
  const ihl = ((frame[14] ?? 0x45) & 0x0f) * 4;
  const l4 = 14 + ihl;
  if (frame[23] !== 17 || frame.length < l4 + 8) return frame;
  const text = frame
    .subarray(l4 + 8)
    .toString('latin1')
    .replaceAll('10.77.0.', net)
    .replaceAll('z9hG4bK', `z9hG4bK${tag}`)
    .replace(/^(Call-ID|i)([ \t]*:[ \t]*)/gim, `$1$2${tag}`);
  const payload = Buffer.from(text, 'latin1');
  const out = Buffer.concat([frame.subarray(0, l4 + 8), payload]);
  const [, second, third] = net.split('.').map(Number);
  for (const at of [26, 30]) {
    if (out[at] === 10 && out[at + 1] === 77 && out[at + 2] === 0) {
      out[at + 1] = second ?? 0;
      out[at + 2] = third ?? 0;
    }
  }
  out.writeUInt16BE(ihl + 8 + payload.length, 16);
  out.writeUInt16BE(0, 24);
  out.writeUInt16BE(internetChecksum(out, 14, l4), 24);
  out.writeUInt16BE(8 + payload.length, l4 + 4);
  out.writeUInt16BE(0, l4 + 6);
  return out;
}

interface ActiveCopy {
  startUs: number;
  next: number;
  net: string;
  tag: string;
}

/** Hands out the attack frames due by a capture time, copies started every `everyMs`. */
export class AttackOverlay {
  private readonly frames: CapturedFrame[];
  private readonly active: ActiveCopy[] = [];
  private nextStartUs: number;
  private copies = 0;
  messages = 0;

  constructor(
    path: string,
    startUs: number,
    private readonly everyMs: number,
  ) {
    this.frames = readClassicPcap(readFileSync(path));
    this.nextStartUs = startUs;
  }

  get started(): number {
    return this.copies;
  }

  /** Frames with capture time ≤ `tsUs`, in time order, each with its time. */
  *due(tsUs: number): Generator<{ tsUs: number; frame: Buffer }> {
    while (this.nextStartUs <= tsUs) {
      const n = this.copies++;
      this.active.push({ startUs: this.nextStartUs, next: 0, net: copyNet(n), tag: `c${n}-` });
      this.nextStartUs += this.everyMs * 1000;
    }
    for (;;) {
      let best: ActiveCopy | undefined;
      let bestTs = Infinity;
      for (const copy of this.active) {
        const f = this.frames[copy.next];
        if (f === undefined) continue;
        const ts = copy.startUs + f.offsetUs;
        if (ts <= tsUs && ts < bestTs) {
          best = copy;
          bestTs = ts;
        }
      }
      if (best === undefined) break;
      const f = this.frames[best.next++] as CapturedFrame;
      this.messages++;
      yield { tsUs: bestTs, frame: relocate(f.frame, best.net, best.tag) };
    }
    for (let i = this.active.length - 1; i >= 0; i--) {
      const copy = this.active[i] as ActiveCopy;
      if (copy.next >= this.frames.length) this.active.splice(i, 1);
    }
  }
}
