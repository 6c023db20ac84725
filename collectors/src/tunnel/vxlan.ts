//! VXLAN (RFC 7348): 8-byte header after UDP, then an Ethernet frame.
//! decode-packet calls it for UDP to the VXLAN port, and decapsulates only when the I flag is the only flag set.

export const VXLAN_DEFAULT_PORT = 4789;
export const VXLAN_HEADER_LENGTH = 8;

/**
 * True when the 8 bytes at `off` look like a VXLAN header: flags byte 0x08 (VNI valid, nothing
 * else), reserved bytes zero. SIP on the same port (odd, but seen) fails this test and stays UDP.
 */
export function looksLikeVxlan(buf: Buffer, off: number, end: number): boolean {
  if (off + VXLAN_HEADER_LENGTH + 14 > end) return false;
  return buf[off] === 0x08 && buf[off + 1] === 0 && buf[off + 2] === 0 && buf[off + 3] === 0 && buf[off + 7] === 0;
}
