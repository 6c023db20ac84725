//! Message mutators shared by the property and fuzz tests (tests only): byte flips, truncation,
//! insertion of interesting bytes, line duplication and deletion — the damage real traffic shows.

import { mulberry32, type Rng } from '../../../lib/src/prng';

export type { Rng };
/** Seeded so fuzz runs are reproducible. */
export const rng = mulberry32;

const INTERESTING = [
  0x00, 0x0a, 0x0d, 0x20, 0x09, 0x22, 0x5c, 0x3c, 0x3e, 0x3a, 0x3b, 0x2c, 0x40, 0x5b, 0x5d, 0x25, 0x2d, 0x3d, 0xff,
  0x80,
];
const SNIPPETS = [
  '\r\n',
  '\r\n ',
  ';;',
  ',,',
  '"',
  '<',
  '>',
  '[',
  ']',
  '%',
  'SIP/2.0',
  'Content-Length: 99999\r\n',
  'l: -1\r\n',
  'v: ',
  '\r\n\r\n',
  '::',
  '@@',
];

export type Mutation = 'flip' | 'truncate' | 'insert' | 'snippet' | 'dupLine' | 'dropLine' | 'repeat';
export const MUTATIONS: readonly Mutation[] = [
  'flip',
  'truncate',
  'insert',
  'snippet',
  'dupLine',
  'dropLine',
  'repeat',
];

function lineBounds(b: Buffer, at: number): [number, number] {
  let s = at;
  while (s > 0 && b[s - 1] !== 0x0a) s--;
  let e = at;
  while (e < b.length && b[e] !== 0x0a) e++;
  return [s, Math.min(b.length, e + 1)];
}

/** Applies one mutation chosen by `kind` at a position drawn from `r`. */
export function mutate(b: Buffer, kind: Mutation, r: Rng): Buffer {
  if (b.length === 0) return b;
  const at = Math.floor(r() * b.length);
  switch (kind) {
    case 'flip': {
      const c = Buffer.from(b);
      c[at] = r() < 0.5 ? (INTERESTING[Math.floor(r() * INTERESTING.length)] ?? 0) : Math.floor(r() * 256);
      return c;
    }
    case 'truncate':
      return b.subarray(0, at);
    case 'insert':
      return Buffer.concat([
        b.subarray(0, at),
        Buffer.from([INTERESTING[Math.floor(r() * INTERESTING.length)] ?? 0]),
        b.subarray(at),
      ]);
    case 'snippet':
      return Buffer.concat([
        b.subarray(0, at),
        Buffer.from(SNIPPETS[Math.floor(r() * SNIPPETS.length)] ?? '', 'latin1'),
        b.subarray(at),
      ]);
    case 'dupLine': {
      const [s, e] = lineBounds(b, at);
      const n = 1 + Math.floor(r() * 4);
      return Buffer.concat([b.subarray(0, e), ...Array.from({ length: n }, () => b.subarray(s, e)), b.subarray(e)]);
    }
    case 'dropLine': {
      const [s, e] = lineBounds(b, at);
      return Buffer.concat([b.subarray(0, s), b.subarray(e)]);
    }
    case 'repeat': {
      // A run of one byte: long tokens, long LWS, long quoted strings.
      const n = 1 + Math.floor(r() * 3000);
      return Buffer.concat([b.subarray(0, at), Buffer.alloc(n, b[at] ?? 0x20), b.subarray(at)]);
    }
  }
}
