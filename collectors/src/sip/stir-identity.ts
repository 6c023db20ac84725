//! The RFC 8224 Identity header: a PASSporT (RFC 8225, SHAKEN RFC 8588) as a compact JWS,
//! `<header>.<payload>.<signature>;info=<cert URL>;alg=ES256;ppt=shaken`. sipward reads the claims
//! it can check against the message (attestation, orig/dest telephone numbers); it does not verify
//! the signature (that needs the certificate behind `info`, fetched by the terminating SP).
import type { SipStirIdentity } from '../../../schema/src/sip-event';

const MAX_TOKEN = 8192;

function base64urlJson(part: string): unknown {
  if (part === '' || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Telephone numbers of a PASSporT `tn` claim, digits only. */
function tns(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list
    .filter((x): x is string => typeof x === 'string')
    .map((x) => x.replace(/[^0-9]/g, ''))
    .filter((x) => x !== '');
}

/** Reads one Identity header value; `valid: false` when the token is not a readable PASSporT. */
export function parseStirIdentity(value: string): SipStirIdentity {
  const semi = value.indexOf(';');
  const token = (semi < 0 ? value : value.slice(0, semi)).trim().replace(/^<|>$/g, '');
  const params = semi < 0 ? '' : value.slice(semi + 1);
  const ppt = /(?:^|;)\s*ppt\s*=\s*"?([A-Za-z0-9_-]+)"?/i.exec(params)?.[1]?.toLowerCase();
  const parts = token.length > MAX_TOKEN ? [] : token.split('.');
  const header = parts.length === 3 ? record(base64urlJson(parts[0] ?? '')) : undefined;
  const payload = parts.length === 3 ? record(base64urlJson(parts[1] ?? '')) : undefined;
  if (header === undefined || payload === undefined) return { valid: false, ...(ppt !== undefined ? { ppt } : {}) };
  const orig = tns(record(payload.orig)?.tn);
  const dest = tns(record(payload.dest)?.tn);
  const attest = typeof payload.attest === 'string' ? payload.attest.toUpperCase() : undefined;
  return {
    valid: true,
    ...(ppt !== undefined ? { ppt } : typeof header.ppt === 'string' ? { ppt: header.ppt.toLowerCase() } : {}),
    ...(attest !== undefined ? { attest } : {}),
    ...(orig[0] !== undefined ? { orig_tn: orig[0] } : {}),
    ...(dest.length > 0 ? { dest_tn: dest } : {}),
  };
}
