//! Event time in ms from `@timestamp` ("2026-11-28T17:23:00.123456Z"). Consecutive events share the
//! second, so the seconds prefix is parsed once and reused; only the fraction is read per event.

let cachedPrefix = '';
let cachedMs = NaN;

export function eventTimeMs(timestamp: string): number {
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters; the UTC form the collectors write ends in Z.
  if (timestamp.length >= 20 && timestamp.charCodeAt(timestamp.length - 1) === 90) {
    if (!timestamp.startsWith(cachedPrefix) || cachedPrefix === '') {
      cachedPrefix = timestamp.slice(0, 19);
      cachedMs = Date.parse(`${cachedPrefix}Z`);
    }
    if (!Number.isNaN(cachedMs)) {
      let fraction = 0;
      let scale = 100;
      if (timestamp.charCodeAt(19) === 46) {
        for (let i = 20; i < timestamp.length - 1 && scale >= 0.001; i++) {
          const c = timestamp.charCodeAt(i);
          if (c < 48 || c > 57) return Date.parse(timestamp);
          fraction += (c - 48) * scale;
          scale /= 10;
        }
      } else if (timestamp.length !== 20) return Date.parse(timestamp);
      return cachedMs + fraction;
    }
  }
  return Date.parse(timestamp);
}
