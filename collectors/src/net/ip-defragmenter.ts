//! IPv4 and IPv6 fragment reassembly with bounded memory and packet-time timeouts.
//! Owned by PacketDecoder; fed every fragment, returns the reassembled upper-layer data when complete.
//!
//! Overlap policy: REJECT. A fragment that overlaps another one of the same datagram (other than an
//! exact duplicate: same offset, same length, same bytes) discards the whole datagram and poisons its
//! key until the timeout, counted as `overlap`. Why: targets resolve overlaps differently (Linux keeps
//! first arrival, others last), so any single choice lets an attacker show the IDS one payload and the
//! phone another. RFC 5722 already mandates this for IPv6; legitimate IPv4 stacks do not overlap.
//! Exact duplicates (retransmissions, mirror-port doubling) are ignored and counted `duplicate`.
//!
//! Limits (named, per decoder): maxBytes held, maxDatagrams in flight (oldest evicted, `memory`),
//! maxFragmentsPerDatagram (`too_many_fragments`), maxDatagramSize 65535 (`too_big`), timeoutSec by
//! packet time (`timeout`).

export interface DefragOptions {
  /** Seconds of packet time after the first fragment before an incomplete datagram is dropped. */
  timeoutSec?: number;
  /** Total fragment bytes held across all datagrams. */
  maxBytes?: number;
  /** Datagrams being reassembled at once. */
  maxDatagrams?: number;
  maxFragmentsPerDatagram?: number;
  /** Largest reassembled upper-layer size (IPv4: 65535 minus the header is the hard limit). */
  maxDatagramSize?: number;
}

export interface DefragCounters {
  /** Fragments offered. */
  fragments: number;
  reassembled: number;
  duplicate: number;
  timeout: number;
  overlap: number;
  too_big: number;
  memory: number;
  too_many_fragments: number;
  malformed: number;
  /** Fragments refused because their datagram was already discarded (poisoned key). */
  poisoned: number;
}

export interface ReassembledDatagram {
  /** Upper-layer protocol (IPv4 protocol field; IPv6 next header of the fragment header at offset 0). */
  protocol: number;
  /** The reassembled fragmentable part (a fresh buffer, safe to keep). */
  data: Buffer;
}

interface Fragment {
  offset: number;
  data: Buffer;
}

interface Datagram {
  key: string;
  firstSec: number;
  fragments: Fragment[];
  /** Total length once the last fragment (MF=0) arrived, else -1. */
  total: number;
  bytes: number;
  protocol: number;
  poisoned: boolean;
}

export function newDefragCounters(): DefragCounters {
  return {
    fragments: 0,
    reassembled: 0,
    duplicate: 0,
    timeout: 0,
    overlap: 0,
    too_big: 0,
    memory: 0,
    too_many_fragments: 0,
    malformed: 0,
    poisoned: 0,
  };
}

/** RFC 791 key: source, destination, identification, protocol. */
export function ipv4FragmentKey(buf: Buffer, srcOffset: number, id: number, protocol: number): string {
  // 8 address bytes as latin1 text: one cheap string, no formatting.
  return '4' + buf.toString('latin1', srcOffset, srcOffset + 8) + id + '/' + protocol;
}

/** RFC 8200 key: source, destination, identification (the protocol is per datagram, not per key). */
export function ipv6FragmentKey(buf: Buffer, srcOffset: number, id: number): string {
  return '6' + buf.toString('latin1', srcOffset, srcOffset + 32) + id;
}

export class IpDefragmenter {
  readonly counters: DefragCounters = newDefragCounters();
  private readonly timeoutSec: number;
  private readonly maxBytes: number;
  private readonly maxDatagrams: number;
  private readonly maxFragments: number;
  private readonly maxSize: number;
  /** Insertion order = first-fragment order, so expiry and eviction walk from the front. */
  private readonly table = new Map<string, Datagram>();
  private bytesHeld = 0;

  constructor(options: DefragOptions = {}) {
    this.timeoutSec = options.timeoutSec ?? 30;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.maxDatagrams = options.maxDatagrams ?? 4096;
    this.maxFragments = options.maxFragmentsPerDatagram ?? 64;
    this.maxSize = options.maxDatagramSize ?? 65535;
  }

  /** Datagrams currently held (incomplete or poisoned). */
  get inFlight(): number {
    return this.table.size;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  /**
   * Offer one fragment: `buf[start, end)` is its data at byte `offset` of the fragmentable part.
   * `sizeLimit` lowers maxDatagramSize for this datagram (IPv4: 65535 minus its header length).
   * The bytes are copied. Returns the whole datagram when this fragment completes it, else null.
   */
  add(
    key: string,
    protocol: number,
    offset: number,
    more: boolean,
    buf: Buffer,
    start: number,
    end: number,
    nowSec: number,
    sizeLimit: number = this.maxSize,
  ): ReassembledDatagram | null {
    const c = this.counters;
    c.fragments++;
    this.expire(nowSec);
    const len = end - start;

    let d = this.table.get(key);
    if (d !== undefined && d.poisoned) {
      c.poisoned++;
      return null;
    }
    // Non-last fragments carry a multiple of 8 bytes (RFC 791 / 8200); empty fragments are nonsense.
    if (len <= 0 || (more && len % 8 !== 0)) {
      c.malformed++;
      if (d !== undefined) this.poison(d);
      return null;
    }
    if (offset + len > Math.min(sizeLimit, this.maxSize)) {
      c.too_big++;
      if (d !== undefined) this.poison(d);
      else this.insertPoisoned(key, nowSec);
      return null;
    }

    if (d === undefined) {
      while (this.table.size >= this.maxDatagrams) this.evictOldest();
      d = { key, firstSec: nowSec, fragments: [], total: -1, bytes: 0, protocol: -1, poisoned: false };
      this.table.set(key, d);
    }

    // Duplicate / overlap / consistency checks against what is held.
    const fragEnd = offset + len;
    for (const f of d.fragments) {
      const fEnd = f.offset + f.data.length;
      if (fragEnd <= f.offset || offset >= fEnd) continue;
      if (f.offset === offset && f.data.length === len && buf.compare(f.data, 0, len, start, end) === 0) {
        c.duplicate++;
        return null;
      }
      c.overlap++;
      this.poison(d);
      return null;
    }
    if (!more) {
      if (d.total >= 0 && d.total !== fragEnd) {
        c.malformed++;
        this.poison(d);
        return null;
      }
      d.total = fragEnd;
    }
    if (d.total >= 0 && fragEnd > d.total) {
      c.malformed++;
      this.poison(d);
      return null;
    }
    if (d.fragments.length >= this.maxFragments) {
      c.too_many_fragments++;
      this.poison(d);
      return null;
    }
    // Memory: evict the oldest other datagrams (Linux does the same) so one flood cannot pin memory.
    while (this.bytesHeld + len > this.maxBytes && this.table.size > 0) {
      const first = this.table.values().next().value as Datagram;
      if (first === d) break;
      this.evictOldest();
    }
    if (this.bytesHeld + len > this.maxBytes) {
      c.memory++;
      this.poison(d);
      return null;
    }

    d.fragments.push({ offset, data: Buffer.from(buf.subarray(start, end)) });
    d.bytes += len;
    this.bytesHeld += len;
    if (offset === 0) d.protocol = protocol;

    if (d.total < 0 || d.bytes !== d.total) return null;
    // No overlaps are held, so bytes === total means no gaps: assemble.
    const out = Buffer.allocUnsafe(d.total);
    for (const f of d.fragments) f.data.copy(out, f.offset);
    const proto = d.protocol >= 0 ? d.protocol : protocol;
    this.remove(d);
    c.reassembled++;
    return { protocol: proto, data: out };
  }

  /** Drop datagrams whose first fragment is older than the timeout at packet time `nowSec`. */
  expire(nowSec: number): void {
    for (const d of this.table.values()) {
      if (nowSec - d.firstSec <= this.timeoutSec) break;
      if (!d.poisoned) this.counters.timeout++;
      this.remove(d);
    }
  }

  /** Forget everything (end of input); incomplete datagrams count as timeouts. */
  clear(): void {
    for (const d of this.table.values()) if (!d.poisoned) this.counters.timeout++;
    this.table.clear();
    this.bytesHeld = 0;
  }

  private remove(d: Datagram): void {
    this.bytesHeld -= d.bytes;
    this.table.delete(d.key);
  }

  private evictOldest(): void {
    const first = this.table.values().next().value as Datagram | undefined;
    if (first === undefined) return;
    if (!first.poisoned) this.counters.memory++;
    this.remove(first);
  }

  /** Free the datagram's bytes but keep its key so later fragments of it are refused too. */
  private poison(d: Datagram): void {
    this.bytesHeld -= d.bytes;
    d.bytes = 0;
    d.fragments = [];
    d.poisoned = true;
  }

  private insertPoisoned(key: string, nowSec: number): void {
    while (this.table.size >= this.maxDatagrams) this.evictOldest();
    this.table.set(key, { key, firstSec: nowSec, fragments: [], total: -1, bytes: 0, protocol: -1, poisoned: true });
  }
}
