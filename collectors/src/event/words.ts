//! Little-endian 32-bit words of a byte range, for the per-packet hashes (event id, mirror key):
//! one aligned Int32Array load per word instead of four byte loads and shifts.

import { endianness } from 'node:os';

/** The Int32Array path reads host-order words; on a big-endian host callers use their byte loop. */
export const HOST_LE = endianness() === 'LE';

let scratch = new Int32Array(16 * 1024);
let scratchBytes = Buffer.from(scratch.buffer);

/**
 * Copies buf[start .. start + 4·⌊(end−start)/4⌋) to a shared aligned scratch and returns it as
 * words: (b0 | b1<<8 | b2<<16 | b3<<24) | 0 each. Valid until the next call. Little-endian hosts only.
 */
export function wordsOf(buf: Buffer, start: number, end: number): Int32Array {
  const n = (end - start) & ~3;
  if (n <= 0) return scratch;
  if (n > scratchBytes.length) {
    scratch = new Int32Array(n >>> 2);
    scratchBytes = Buffer.from(scratch.buffer);
  }
  buf.copy(scratchBytes, 0, start, start + n);
  return scratch;
}
