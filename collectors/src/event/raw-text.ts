//! `sip.raw`: the message text for readable alert evidence, with credentials redacted — the digest
//! `response` (with the challenge it lets a dictionary attack run offline), Basic credentials, and
//! any `password=` parameter in headers, URIs or bodies. Bounded in size.

/** Longest text carried; a longer message keeps its start (start line and headers come first). */
export const MAX_RAW_BYTES = 8192;
export const TRUNCATION_MARK = '…[truncated]';
export const REDACTED = '[redacted]';

const AUTH_HEADER = /^((?:proxy-)?authorization[ \t]*:)(.*)$/gim;
const DIGEST_RESPONSE = /(\bresponse[ \t]*=[ \t]*)("[^"]*"|[^\s,;]+)/gi;
const BASIC = /^([ \t]*basic[ \t]+)(\S+)/i;
const MAYBE_AUTH = /authorization/i;
const MAYBE_PASSWORD = /pass|pwd/i;
const PASSWORD = /(\b(?:password|passwd|pwd)[ \t]*[=:][ \t]*)("[^"]*"|[^\s,;&>]+)/gi;

/** Redacts credentials in SIP message text (exported for the tests and for text from other sources). */
export function redactSipText(text: string): string {
  // Most messages carry no credentials: two cheap scans decide before the rewriting regexes run.
  if (!MAYBE_AUTH.test(text) && !MAYBE_PASSWORD.test(text)) return text;
  let out = text.replace(AUTH_HEADER, (_m, name: string, value: string) => {
    const v = BASIC.test(value)
      ? value.replace(BASIC, `$1${REDACTED}`)
      : value.replace(DIGEST_RESPONSE, `$1"${REDACTED}"`);
    return name + v;
  });
  out = out.replace(PASSWORD, `$1${REDACTED}`);
  return out;
}

/** The message bytes [start, end) as redacted UTF-8 text (SIP's charset; invalid bytes show as U+FFFD). */
export function rawText(buf: Buffer, start: number, end: number): string {
  const truncated = end - start > MAX_RAW_BYTES;
  const text = buf.toString('utf8', start, truncated ? start + MAX_RAW_BYTES : end);
  const redacted = redactSipText(text);
  return truncated ? redacted + TRUNCATION_MARK : redacted;
}
