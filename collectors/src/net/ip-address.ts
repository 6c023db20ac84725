//! Address text from packet bytes: IPv4 dotted quad and RFC 5952 compressed IPv6.
//! Used by decode-packet when an L4Segment is built; table-driven, no regex, no intermediate arrays.

/** '0'..'255' built once: a dotted quad is then four lookups and three concatenations. */
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Lower-case hex without leading zeros for one byte, for the low half of a 16-bit group. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX1: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

/** Dotted quad of the 4 bytes at `off`. The caller guarantees off + 4 <= buf.length. */
export function formatIpv4(buf: Buffer, off: number): string {
  return (
    (DECIMAL[buf[off] ?? 0] as string) +
    '.' +
    (DECIMAL[buf[off + 1] ?? 0] as string) +
    '.' +
    (DECIMAL[buf[off + 2] ?? 0] as string) +
    '.' +
    (DECIMAL[buf[off + 3] ?? 0] as string)
  );
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
