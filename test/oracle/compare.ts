// Multiset comparison of SIP events against tshark's dissection (scripts/tshark-oracle), shared by
// the fixture oracle test (test/oracle/tshark-oracle.test.ts) and the live capture test
// (test/live/live-decode.test.ts): both must judge agreement by the same tuple, or a live pass could
// hide a difference the file test would catch.

/** The compared fields, in tuple order; paths as in docs/contracts.md "SIP event". */
export const FIELDS = [
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'sip.method',
  'sip.status_code',
  'sip.call_id',
  'sip.cseq.seq',
  'sip.cseq.method',
  'sip.from.tag',
  'sip.to.tag',
] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Value at a dotted path. Accepts nested objects (`{"sip":{"cseq":{"seq":1}}}`), flat dotted keys
 * (`{"sip.cseq.seq":1}`, the oracle's form) and any mix, so the test does not fix the encoder's
 * choice of nesting.
 */
export function getPath(obj: Json | undefined, path: string): Json | undefined {
  if (!isObject(obj)) return undefined;
  if (Object.hasOwn(obj, path)) return obj[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const head = parts.slice(0, i).join('.');
    if (Object.hasOwn(obj, head)) {
      const v = getPath(obj[head], parts.slice(i).join('.'));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** RFC 5952 text for IPv6 (lower case, longest zero run compressed); IPv4 unchanged. */
export function normaliseIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    // WHATWG URL serialises IPv6 hosts in RFC 5952 form (for addresses without embedded IPv4).
    return new URL(`http://[${ip.replace(/^\[|\]$/g, '')}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

export function tupleOf(ev: Json): string {
  const values = FIELDS.map((f) => {
    const v = getPath(ev, f);
    if (v === undefined || v === null) return null;
    if (f === 'source.ip' || f === 'destination.ip') return normaliseIp(String(v));
    // Numbers may arrive as numbers or numeric strings; compare their text.
    return typeof v === 'number' ? String(v) : v;
  });
  return JSON.stringify(values);
}

export function parseJsonl(text: string, what: string): Json[] {
  const out: Json[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as Json);
    } catch {
      throw new Error(`${what}: line ${i + 1} is not JSON: ${line.slice(0, 120)}`);
    }
  });
  return out;
}

export function multiset(events: Json[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) {
    const k = tupleOf(e);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

export interface Agreement {
  agreed: number;
  /** In `expected` but not (as often) in `actual`. */
  missing: string[];
  /** In `actual` but not (as often) in `expected`. */
  extra: string[];
}

export function compare(expected: Map<string, number>, actual: Map<string, number>): Agreement {
  let agreed = 0;
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [k, n] of expected) {
    const m = actual.get(k) ?? 0;
    agreed += Math.min(n, m);
    for (let i = m; i < n; i++) missing.push(k);
  }
  for (const [k, m] of actual) {
    const n = expected.get(k) ?? 0;
    for (let i = n; i < m; i++) extra.push(k);
  }
  return { agreed, missing, extra };
}

export function describe(a: Agreement): string {
  const show = (xs: string[]): string =>
    xs.slice(0, 5).join('\n    ') + (xs.length > 5 ? `\n    … ${xs.length - 5} more` : '');
  const fields = `tuple fields: ${FIELDS.join(', ')}`;
  return [
    fields,
    a.missing.length ? `  missing (${a.missing.length}):\n    ${show(a.missing)}` : '',
    a.extra.length ? `  unexpected (${a.extra.length}):\n    ${show(a.extra)}` : '',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

export function count(m: Map<string, number>): number {
  return [...m.values()].reduce((x, y) => x + y, 0);
}
