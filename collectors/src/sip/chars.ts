//! Byte classes and small scanners shared by the SIP and SDP parsers (RFC 3261 §25.1 basic rules).
//! Immutable tables built once at load and pure scanners over Buffers by index; no state between calls
//! (the per-message head text lives in the parser instance, head-text.ts).

// Tables are module-local consts, exported by name below: tsc's CommonJS output turns uses of an
// `export const` inside its own module into `exports.X` property loads, which the profiler showed
// as the top cost of isLws/scanToken. Importers copy them into locals for the same reason.
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") (RFC 3261 §25.1). */
const TOKEN_TABLE = new Uint8Array(256);
/** Lower-case fold for ASCII letters; identity elsewhere. */
const LOWER_TABLE = new Uint8Array(256);
export { TOKEN_TABLE as TOKEN, LOWER_TABLE as LOWER };
const TOKEN = TOKEN_TABLE;
const LOWER = LOWER_TABLE;

for (let c = 0; c < 256; c++) {
  LOWER[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  TOKEN[c] = alnum || "-.!%*_+`'~".includes(String.fromCharCode(c)) ? 1 : 0;
}

/** SP, HTAB, CR or LF: folded header values keep their CRLF, so LWS includes line ends here. */
export function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Index of the first non-LWS byte at or after `i` (bounded by `end`). */
export function skipLws(b: Buffer, i: number, end: number): number {
  while (i < end && isLws(b[i] ?? 0)) i++;
  return i;
}

/** Index just past the last non-LWS byte before `end` (not below `start`). */
export function trimEnd(b: Buffer, start: number, end: number): number {
  while (end > start && isLws(b[end - 1] ?? 0)) end--;
  return end;
}

/** Index just past a run of token bytes starting at `i`. */
export function scanToken(b: Buffer, i: number, end: number): number {
  while (i < end && TOKEN[b[i] ?? 0] === 1) i++;
  return i;
}

/** Index of byte `c` in [i, end), or -1. Bounded: never scans past `end`. */
export function indexOfByte(b: Buffer, c: number, i: number, end: number): number {
  for (; i < end; i++) if (b[i] === c) return i;
  return -1;
}

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1). `i` is at the
 * opening quote; returns the index just past the closing quote, or -1 when unterminated.
 */
export function scanQuoted(b: Buffer, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = b[i];
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return -1;
}

/**
 * Index of the next top-level comma at or after `i`: commas inside quoted strings and <...> do
 * not separate values (RFC 3261 §7.3.1). Returns `end` when there is none.
 */
export function nextComma(b: Buffer, i: number, end: number): number {
  let angle = false;
  while (i < end) {
    const c = b[i];
    if (c === 0x22) {
      const q = scanQuoted(b, i, end);
      if (q < 0) return end;
      i = q;
      continue;
    }
    if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) return i;
    i++;
  }
  return end;
}

/** True when a latin1 string holds any byte >= 0x80 (then it is decoded again as UTF-8). */
function hasHighByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * Text for the event: SIP is UTF-8 (RFC 3261 §7), but scanning happens on latin1 strings (one
 * char per byte, offsets stay byte offsets); only strings with high bytes pay a second decode.
 */
export function utf8Text(latin1Text: string): string {
  return hasHighByte(latin1Text) ? Buffer.from(latin1Text, 'latin1').toString('utf8') : latin1Text;
}

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/**
 * buf[start..end) as a latin1 string. Calls the binding Buffer#toString('latin1') ends in,
 * skipping its argument checks and encoding switch (measurable at ~20 strings per message).
 */
export function latin1(buf: Buffer, start: number, end: number): string {
  // The binding throws on out-of-range offsets; the parser must not.
  if (end > buf.length) end = buf.length;
  if (start < 0) start = 0;
  if (start >= end) return '';
  return (buf as unknown as Latin1Slicer).latin1Slice(start, end);
}

/** Collapse folded lines (CRLF followed by SP/HTAB, RFC 3261 §7.3.1) into one SP. */
export function unfold(s: string): string {
  if (s.indexOf('\n') === -1) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) {
      while (i < s.length && isLws(s.charCodeAt(i))) i++;
      out += ' ';
      continue;
    }
    out += s[i];
    i++;
  }
  return out;
}

/** Decimal digits at `i`..`end` as a number; -1 if empty or a non-digit appears. Values past 2^53 saturate. */
export function parseDigits(b: Buffer, i: number, end: number): number {
  if (i >= end) return -1;
  let n = 0;
  for (; i < end; i++) {
    const c = b[i] ?? 0;
    if (c < 0x30 || c > 0x39) return -1;
    if (n < Number.MAX_SAFE_INTEGER) n = n * 10 + (c - 0x30);
  }
  return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
}

/** Percent-decode %HH escapes (RFC 3261 §25.1 "escaped"); a malformed escape stays literal. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out += String.fromCharCode(h * 16 + l);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** ASCII case-insensitive equality of b[i..end) and a lower-case literal. */
export function equalsLower(b: Buffer, i: number, end: number, lower: string): boolean {
  if (end - i !== lower.length) return false;
  for (let k = 0; k < lower.length; k++) if (LOWER[b[i + k] ?? 0] !== lower.charCodeAt(k)) return false;
  return true;
}
