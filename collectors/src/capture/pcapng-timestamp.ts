//! pcapng timestamp conversion: 64-bit units at an interface's if_tsresol → (seconds, nanoseconds).
//! Exact for every resolution; plain-number arithmetic on the common ones, BigInt only for the rest.

export interface TsResolution {
  /** 10^n for decimal resolutions n <= 9, else 0 (use the BigInt path). */
  decimalDiv: number;
  /** Nanoseconds per unit when decimalDiv > 0. */
  nsPerUnit: number;
  /** Units per second for the general path (decimal n > 9 or binary 2^n). */
  unitsPerSec: bigint;
}

/** if_tsresol byte: high bit clear = 10^-n, set = 2^-n. Default (option absent) is 6 = µs. */
export function tsResolution(byte: number): TsResolution {
  const n = byte & 0x7f;
  if ((byte & 0x80) === 0 && n <= 9) {
    const div = 10 ** n;
    return { decimalDiv: div, nsPerUnit: 1e9 / div, unitsPerSec: BigInt(div) };
  }
  const ups = (byte & 0x80) === 0 ? 10n ** BigInt(n) : 1n << BigInt(n);
  return { decimalDiv: 0, nsPerUnit: 0, unitsPerSec: ups };
}

/** Output of toSecNsec, reused. */
export interface SecNsec {
  sec: number;
  nsec: number;
}

/** Convert (high, low) 32-bit halves of a timestamp in units of `res` into out.sec / out.nsec. */
export function toSecNsec(high: number, low: number, res: TsResolution, out: SecNsec): void {
  const div = res.decimalDiv;
  if (div > 0) {
    let sec: number;
    let rem: number;
    if (high < 0x200000) {
      // value < 2^53: exact as a double; the division may round, so correct the quotient.
      const v = high * 4294967296 + low;
      sec = Math.floor(v / div);
      rem = v - sec * div;
      if (rem < 0) {
        sec--;
        rem += div;
      } else if (rem >= div) {
        sec++;
        rem -= div;
      }
    } else {
      // Long division in base 2^16: every partial value stays below 2^46 since div < 2^30.
      const d3 = high >>> 16;
      const d2 = high & 0xffff;
      const d1 = low >>> 16;
      const d0 = low & 0xffff;
      let q = 0;
      let r = d3;
      let qd = Math.floor(r / div);
      r -= qd * div;
      q = qd;
      r = r * 65536 + d2;
      qd = Math.floor(r / div);
      r -= qd * div;
      q = q * 65536 + qd;
      r = r * 65536 + d1;
      qd = Math.floor(r / div);
      r -= qd * div;
      q = q * 65536 + qd;
      r = r * 65536 + d0;
      qd = Math.floor(r / div);
      r -= qd * div;
      q = q * 65536 + qd;
      sec = q;
      rem = r;
    }
    out.sec = sec;
    out.nsec = rem * res.nsPerUnit;
    return;
  }
  const v = (BigInt(high) << 32n) | BigInt(low);
  const ups = res.unitsPerSec;
  out.sec = Number(v / ups);
  out.nsec = Number(((v % ups) * 1_000_000_000n) / ups);
}
