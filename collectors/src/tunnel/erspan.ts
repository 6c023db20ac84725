//! ERSPAN headers carried in GRE (Cisco, draft-foschiano-erspan): type I, II and III.
//! decode-packet calls it after parseGre; the mirrored frame after the header is Ethernet (or IP for type III FT=2).

/** Result of erspanPayload: where the mirrored frame starts and whether it is Ethernet. */
export interface ErspanPayload {
  /** 'erspan1' | 'erspan2' | 'erspan3' for L4Segment.tunnel. */
  name: string;
  offset: number;
  /** false: the mirrored frame is raw IP (type III frame type 2). */
  ethernet: boolean;
}

export function newErspanPayload(): ErspanPayload {
  return { name: '', offset: 0, ethernet: true };
}

/**
 * Skip the ERSPAN header at `off` for GRE protocol 0x88be (type I when GRE has no sequence number,
 * type II otherwise) or 0x22eb (type III). False when truncated or the version field disagrees.
 */
export function erspanPayload(
  buf: Buffer,
  greProtocol: number,
  greHasSequence: boolean,
  off: number,
  end: number,
  out: ErspanPayload,
): boolean {
  if (greProtocol === 0x88be) {
    if (!greHasSequence) {
      // Type I: the frame follows GRE directly.
      out.name = 'erspan1';
      out.offset = off;
      out.ethernet = true;
      return true;
    }
    if (off + 8 > end || (buf[off] ?? 0) >> 4 !== 1) return false;
    out.name = 'erspan2';
    out.offset = off + 8;
    out.ethernet = true;
    return true;
  }
  if (greProtocol === 0x22eb) {
    if (off + 12 > end || (buf[off] ?? 0) >> 4 !== 2) return false;
    const b10 = buf[off + 10] ?? 0;
    const b11 = buf[off + 11] ?? 0;
    // Word 2: SGT(16) P(1) FT(5) HW(6) D(1) Gra(2) O(1): FT is bits 6..2 of byte 10.
    const frameType = (b10 >> 2) & 0x1f;
    let p = off + 12;
    // O flag: an 8-byte platform-specific subheader follows.
    if (b11 & 0x01) p += 8;
    if (p > end) return false;
    if (frameType !== 0 && frameType !== 2) return false;
    out.name = 'erspan3';
    out.offset = p;
    out.ethernet = frameType === 0;
    return true;
  }
  return false;
}
