//! Header-name recognition: a byte trie built once (like undici lib/core/tree.js), case-insensitive,
//! compact forms included (RFC 3261 §7.3.3 and the IANA SIP header registry).

import { LOWER as LOWER_TABLE } from './chars';

// Local copies: module-level consts are constant-folded, `chars_1.X` loads are not.
const LOWER = LOWER_TABLE;

/** Ids of the headers the parser acts on; everything else is `H.OTHER`. */
export const H = {
  OTHER: 0,
  VIA: 1,
  FROM: 2,
  TO: 3,
  CALL_ID: 4,
  CSEQ: 5,
  CONTACT: 6,
  MAX_FORWARDS: 7,
  EXPIRES: 8,
  CONTENT_LENGTH: 9,
  CONTENT_TYPE: 10,
  AUTHORIZATION: 11,
  PROXY_AUTHORIZATION: 12,
  P_ASSERTED_IDENTITY: 13,
  P_PREFERRED_IDENTITY: 14,
  PRIVACY: 15,
  DIVERSION: 16,
  HISTORY_INFO: 17,
  ROUTE: 18,
  RECORD_ROUTE: 19,
  REFER_TO: 20,
  USER_AGENT: 21,
  SERVER: 22,
  DATE: 23,
  SUBJECT: 24,
  SUPPORTED: 25,
  CONTENT_ENCODING: 26,
  EVENT: 27,
  ALLOW_EVENTS: 28,
  REFERRED_BY: 29,
  SESSION_EXPIRES: 30,
  ACCEPT_CONTACT: 31,
  REJECT_CONTACT: 32,
  REQUEST_DISPOSITION: 33,
  IDENTITY: 34,
  IDENTITY_INFO: 35,
  WWW_AUTHENTICATE: 36,
  PROXY_AUTHENTICATE: 37,
} as const;

/** Canonical spelling per id (index = id), used when the full header list is emitted. */
export const CANONICAL_NAMES: readonly string[] = [
  '',
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Max-Forwards',
  'Expires',
  'Content-Length',
  'Content-Type',
  'Authorization',
  'Proxy-Authorization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Privacy',
  'Diversion',
  'History-Info',
  'Route',
  'Record-Route',
  'Refer-To',
  'User-Agent',
  'Server',
  'Date',
  'Subject',
  'Supported',
  'Content-Encoding',
  'Event',
  'Allow-Events',
  'Referred-By',
  'Session-Expires',
  'Accept-Contact',
  'Reject-Contact',
  'Request-Disposition',
  'Identity',
  'Identity-Info',
  'WWW-Authenticate',
  'Proxy-Authenticate',
];

/** Compact forms: RFC 3261 §7.3.3 (c e f i k l m s t v), RFC 3515 r, RFC 3892 b, RFC 3841 a d j,
 * RFC 6665 o u, RFC 4028 x, RFC 8224 y, RFC 4474 n (obsolete Identity-Info). */
const COMPACT: ReadonlyArray<readonly [string, number]> = [
  ['a', H.ACCEPT_CONTACT],
  ['b', H.REFERRED_BY],
  ['c', H.CONTENT_TYPE],
  ['d', H.REQUEST_DISPOSITION],
  ['e', H.CONTENT_ENCODING],
  ['f', H.FROM],
  ['i', H.CALL_ID],
  ['j', H.REJECT_CONTACT],
  ['k', H.SUPPORTED],
  ['l', H.CONTENT_LENGTH],
  ['m', H.CONTACT],
  ['n', H.IDENTITY_INFO],
  ['o', H.EVENT],
  ['r', H.REFER_TO],
  ['s', H.SUBJECT],
  ['t', H.TO],
  ['u', H.ALLOW_EVENTS],
  ['v', H.VIA],
  ['x', H.SESSION_EXPIRES],
  ['y', H.IDENTITY],
];

// Trie as a flat table: row = node, column = lower-cased byte (< 128). 0 = no edge (node 0 is the
// root, which is never a child). A full 128-wide row costs ~0.5 KiB per node and ~250 nodes: one
// memory lookup per byte and no string is ever made for a header name.
const WIDTH = 128;
const MAX_ROWS = 1024;
let rows = 1;
const next = new Uint16Array(WIDTH * MAX_ROWS);
const terminal = new Uint8Array(MAX_ROWS);

function insert(name: string, id: number): void {
  let node = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const at = node * WIDTH + c;
    let child = next[at] ?? 0;
    if (child === 0) {
      // Fixed size keeps the tables `const` (monomorphic loads); the names above need ~330 rows.
      if (rows >= MAX_ROWS) throw new Error('header-names: trie table too small');
      child = rows++;
      next[at] = child;
    }
    node = child;
  }
  terminal[node] = id;
}

for (let id = 1; id < CANONICAL_NAMES.length; id++) insert((CANONICAL_NAMES[id] ?? '').toLowerCase(), id);
for (const [name, id] of COMPACT) insert(name, id);

/** Header id of the name at buf[start..end); H.OTHER when unknown. */
export function headerId(buf: Buffer, start: number, end: number): number {
  let node = 0;
  for (let i = start; i < end; i++) {
    const c = LOWER[buf[i] ?? 0] ?? 0;
    if (c >= WIDTH) return H.OTHER;
    node = next[node * WIDTH + c] ?? 0;
    if (node === 0) return H.OTHER;
  }
  return terminal[node] ?? H.OTHER;
}
