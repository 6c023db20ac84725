//! Finds the application/sdp part of a multipart/mixed or multipart/related body (RFC 2046 §5.1,
//! RFC 5621 for SIP). Byte offsets only; never throws.

import { LOWER as LOWER_TABLE } from './chars';

// Local copies: module-level consts are constant-folded, `chars_1.X` loads are not.
const LOWER = LOWER_TABLE;

/**
 * multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
 *                   *encapsulation close-delimiter ...               (RFC 2046 §5.1.1)
 * body-part := MIME-part-headers [CRLF *OCTET]
 * Returns [start, end) of the first part whose Content-Type is application/sdp, or undefined.
 */
export function findSdpPart(buf: Buffer, start: number, end: number, boundary: string): [number, number] | undefined {
  if (boundary.length === 0 || boundary.length > 200) return undefined;
  const body = buf.subarray(start, end);
  const delim = '--' + boundary;
  let at = body.indexOf(delim);
  let guard = 0;
  while (at >= 0 && guard++ < 64) {
    let p = at + delim.length;
    if (body[p] === 0x2d && body[p + 1] === 0x2d) return undefined; // close-delimiter
    const nl = body.indexOf(0x0a, p);
    if (nl < 0) return undefined;
    p = nl + 1;
    // Part headers end at the first empty line.
    let sdp = false;
    let hdrEnd = -1;
    while (p < body.length) {
      let le = body.indexOf(0x0a, p);
      if (le < 0) le = body.length;
      const lineEnd = le > p && body[le - 1] === 0x0d ? le - 1 : le;
      if (lineEnd === p) {
        hdrEnd = le + 1;
        break;
      }
      if (isContentTypeSdp(body, p, lineEnd)) sdp = true;
      p = le + 1;
    }
    if (hdrEnd < 0) return undefined;
    const nextAt = body.indexOf(delim, hdrEnd);
    if (sdp) {
      let pe = nextAt < 0 ? body.length : nextAt;
      // The CRLF before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
      if (pe > hdrEnd && body[pe - 1] === 0x0a) pe--;
      if (pe > hdrEnd && body[pe - 1] === 0x0d) pe--;
      return [start + hdrEnd, start + pe];
    }
    at = nextAt;
  }
  return undefined;
}

const CT = 'content-type:';
const SDP = 'application/sdp';

function isContentTypeSdp(b: Buffer, p: number, end: number): boolean {
  if (end - p < CT.length) return false;
  for (let k = 0; k < CT.length; k++) if (LOWER[b[p + k] ?? 0] !== CT.charCodeAt(k)) return false;
  let q = p + CT.length;
  while (q < end && (b[q] === 0x20 || b[q] === 0x09)) q++;
  if (end - q < SDP.length) return false;
  for (let k = 0; k < SDP.length; k++) if (LOWER[b[q + k] ?? 0] !== SDP.charCodeAt(k)) return false;
  return true;
}
