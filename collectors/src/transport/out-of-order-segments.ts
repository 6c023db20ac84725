//! Bytes of one TCP direction that arrived ahead of a hole: disjoint pieces sorted by sequence
//! number, the first copy of any byte kept. The reassembler drains them once the hole fills.

export interface HeldSegment {
  seq: number;
  /** Owned copy. */
  data: Buffer;
  tsSec: number;
  tsNsec: number;
}

/** Signed distance a - b in 32-bit sequence space (RFC 1982 style): valid within ±2^31. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class OutOfOrderSegments {
  private pieces: HeldSegment[] = [];
  /** Bytes held. */
  bytes = 0;

  get count(): number {
    return this.pieces.length;
  }

  get first(): HeldSegment | undefined {
    return this.pieces[0];
  }

  clear(): void {
    this.pieces = [];
    this.bytes = 0;
  }

  /**
   * Hold [start, end) of `payload` (a possibly shared view) at `seq`; `base` is the next expected
   * sequence number, all pieces lie after it. Bytes already held win; returns how many overlaps
   * carried different bytes (a retransmission that disagrees: evasion or corruption).
   */
  insert(
    base: number,
    seq: number,
    payload: Buffer,
    start: number,
    end: number,
    tsSec: number,
    tsNsec: number,
  ): number {
    const held = this.pieces;
    let conflicts = 0;
    let cur = seqDiff(seq, base);
    const first = cur;
    const stop = cur + (end - start);
    let i = 0;
    while (i < held.length && cur < stop) {
      const h = held[i] as HeldSegment;
      const hs = seqDiff(h.seq, base);
      const he = hs + h.data.length;
      if (he <= cur) {
        i++;
        continue;
      }
      if (hs >= stop) break;
      if (hs > cur) {
        held.splice(i, 0, this.piece(base, payload, start + (cur - first), hs - cur, cur, tsSec, tsNsec));
        i++;
        cur = hs;
      }
      const oe = Math.min(stop, he);
      const a = start + (cur - first);
      if (payload.compare(h.data, cur - hs, oe - hs, a, a + (oe - cur)) !== 0) conflicts++;
      cur = oe;
      i++;
    }
    if (cur < stop) held.splice(i, 0, this.piece(base, payload, start + (cur - first), stop - cur, cur, tsSec, tsNsec));
    return conflicts;
  }

  /**
   * Hand over, in order, the pieces the stream has reached. `deliver` gets the not yet delivered
   * part of each piece and returns the new next expected sequence number. Returns pieces removed.
   */
  drain(
    nextSeq: number,
    deliver: (data: Buffer, start: number, end: number, tsSec: number, tsNsec: number) => number,
  ): number {
    const held = this.pieces;
    let n = 0;
    while (n < held.length) {
      const h = held[n] as HeldSegment;
      const rel = seqDiff(h.seq, nextSeq);
      if (rel > 0) break;
      n++;
      this.bytes -= h.data.length;
      if (rel + h.data.length <= 0) continue;
      nextSeq = deliver(h.data, -rel, h.data.length, h.tsSec, h.tsNsec);
    }
    if (n > 0) held.splice(0, n);
    return n;
  }

  private piece(
    base: number,
    payload: Buffer,
    from: number,
    n: number,
    rel: number,
    tsSec: number,
    tsNsec: number,
  ): HeldSegment {
    const data = Buffer.allocUnsafe(n);
    payload.copy(data, 0, from, from + n);
    this.bytes += n;
    return { seq: (base + rel) >>> 0, data, tsSec, tsNsec };
  }
}
