//! CIDR sets for `cidr` / `not_cidr` matchers: IPv4 prefixes as numeric [start, end] ranges, IPv6
//! prefixes as four 32-bit words with a mask (no BigInt on the evaluate path).

/** IPv4 address → unsigned 32-bit number, or undefined when `text` is not dotted-quad. */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined;
  return value * 256 + part;
}

/** IPv6 address (optionally with an embedded IPv4 tail or a %zone) → four words, or undefined. */
export function parseIpv6(input: string): Uint32Array | undefined {
  const zone = input.indexOf('%');
  const text = zone >= 0 ? input.slice(0, zone) : input;
  if (!text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): number[] | undefined => {
    if (half === undefined || half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    all = head;
  }
  const words = new Uint32Array(4);
  for (let w = 0; w < 4; w++) words[w] = ((all[2 * w] ?? 0) * 65536 + (all[2 * w + 1] ?? 0)) >>> 0;
  return words;
}

interface V6Prefix {
  words: Uint32Array;
  masks: Uint32Array;
}

/** A parsed CIDR list; `contains` takes the address text as the event carries it. */
export class IpSet {
  private readonly v4Start: number[] = [];
  private readonly v4End: number[] = [];
  private readonly v6: V6Prefix[] = [];
  /** Events repeat a few addresses many times: parse each once (bounded, cleared when full). */
  private readonly cache = new Map<string, boolean>();

  /** Throws an Error naming the bad entry; the loader turns it into SIPWARD_RULES_INVALID. */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) this.add(cidr);
  }

  private add(cidr: string): void {
    const slash = cidr.indexOf('/');
    const addr = slash >= 0 ? cidr.slice(0, slash) : cidr;
    const lenText = slash >= 0 ? cidr.slice(slash + 1) : undefined;
    const v4 = parseIpv4(addr);
    if (v4 !== undefined) {
      const len = lenText === undefined ? 32 : Number(lenText);
      if (!Number.isInteger(len) || len < 0 || len > 32 || lenText === '') throw new Error(`bad CIDR ${cidr}`);
      const size = 2 ** (32 - len);
      const start = Math.floor(v4 / size) * size;
      this.v4Start.push(start);
      this.v4End.push(start + size - 1);
      return;
    }
    const v6 = parseIpv6(addr);
    const len = lenText === undefined ? 128 : Number(lenText);
    if (v6 === undefined || !Number.isInteger(len) || len < 0 || len > 128 || lenText === '') {
      throw new Error(`bad CIDR ${cidr}`);
    }
    const masks = new Uint32Array(4);
    for (let w = 0; w < 4; w++) {
      const bits = Math.max(0, Math.min(32, len - 32 * w));
      masks[w] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      v6[w] = ((v6[w] ?? 0) & (masks[w] ?? 0)) >>> 0;
    }
    this.v6.push({ words: v6, masks });
  }

  contains(address: string): boolean {
    const cached = this.cache.get(address);
    if (cached !== undefined) return cached;
    const result = this.lookup(address);
    if (this.cache.size >= 65536) this.cache.clear();
    this.cache.set(address, result);
    return result;
  }

  private lookup(address: string): boolean {
    const v4 = parseIpv4(address);
    if (v4 !== undefined) {
      for (let i = 0; i < this.v4Start.length; i++) {
        if (v4 >= (this.v4Start[i] ?? 1) && v4 <= (this.v4End[i] ?? 0)) return true;
      }
      return false;
    }
    const v6 = parseIpv6(address);
    if (v6 === undefined) return false;
    for (const prefix of this.v6) {
      let all = true;
      for (let w = 0; w < 4 && all; w++) all = ((v6[w] ?? 0) & (prefix.masks[w] ?? 0)) >>> 0 === prefix.words[w];
      if (all) return true;
    }
    return false;
  }
}
