//! Address text from packet bytes: IPv4 dotted quad and RFC 5952 compressed IPv6.
//! Used by decode-packet when an L4Segment is built; table-driven, no regex, no intermediate arrays.

/** '0'..'255' built once: a dotted quad is then four lookups and three concatenations. */
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Lower-case hex without leading zeros for one byte, for the low half of a 16-bit group. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX1: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

/**
 * Recently formatted IPv4 addresses, direct-mapped by a hash of the address: a capture's packets
 * come from a few thousand addresses, and building the text (six concatenations, each a new
 * string) was a third of what decoding a packet allocated. A collision just replaces the entry.
 */
const V4_CACHE_BITS = 12;
const v4CacheKey = new Int32Array(1 << V4_CACHE_BITS);
const v4CacheText: string[] = new Array<string>(1 << V4_CACHE_BITS).fill('');

/** Dotted quad of the 4 bytes at `off`. The caller guarantees off + 4 <= buf.length. */
export function formatIpv4(buf: Buffer, off: number): string {
  const addr = ((buf[off] ?? 0) << 24) | ((buf[off + 1] ?? 0) << 16) | ((buf[off + 2] ?? 0) << 8) | (buf[off + 3] ?? 0);
  const slot = Math.imul(addr, 0x9e3779b1) >>> (32 - V4_CACHE_BITS);
  const cached = v4CacheText[slot] ?? '';
  // '' marks an empty slot (the key array starts as zeros, which is also 0.0.0.0).
  if (cached !== '' && v4CacheKey[slot] === addr) return cached;
  const text =
    (DECIMAL[buf[off] ?? 0] as string) +
    '.' +
    (DECIMAL[buf[off + 1] ?? 0] as string) +
    '.' +
    (DECIMAL[buf[off + 2] ?? 0] as string) +
    '.' +
    (DECIMAL[buf[off + 3] ?? 0] as string);
  v4CacheKey[slot] = addr;
  v4CacheText[slot] = text;
  return text;
}

function hexGroup(hi: number, lo: number): string {
  return hi === 0 ? (HEX1[lo] as string) : (HEX1[hi] as string) + (HEX2[lo] as string);
}

/**
 * RFC 5952 text of the 16 bytes at `off`: lower case, no leading zeros, the longest run (first on a
 * tie) of two or more zero groups as `::`, and IPv4-mapped addresses (::ffff:0:0/96) in mixed
 * notation (§5). The caller guarantees off + 16 <= buf.length.
 */
export function formatIpv6(buf: Buffer, off: number): string {
  // Find the longest zero run without materialising the groups.
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = buf[off + 2 * g] === 0 && buf[off + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;

  // ::ffff:a.b.c.d
  if (bestStart === 0 && bestLen === 5 && buf[off + 10] === 0xff && buf[off + 11] === 0xff) {
    return '::ffff:' + formatIpv4(buf, off + 12);
  }

  let out = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += '::';
      g += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += hexGroup(buf[off + 2 * g] ?? 0, buf[off + 2 * g + 1] ?? 0);
  }
  return out;
}
