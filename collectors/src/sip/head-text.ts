//! The text of one message's head (start line and headers), made once per message: every string
//! field of the event is a slice of it. One per parser instance, reset for each message.

import { indexOfByte, latin1, utf8Text } from './chars';

/**
 * Header values are scanned as bytes of the message Buffer (typed-array loads are V8's fastest
 * path) and turned into strings only when the event carries them, as slices of one latin1 string
 * of the whole head: one native call per message instead of ~20 (string creation was 13 % of parse
 * time when profiled). Offsets passed in are offsets into the message Buffer.
 */
export class HeadText {
  private head = '';
  private headStart = 0;
  // From one native isAscii() over the head bytes: the common all-ASCII message then skips the
  // per-string scan in `text` (7 % of parse time when profiled).
  private ascii = false;

  /** Makes buf[start, end) the head that `str` slices from; `ascii` says it has no byte >= 0x80. */
  reset(buf: Buffer, start: number, end: number, ascii: boolean): void {
    this.head = latin1(buf, start, end);
    this.headStart = start;
    this.ascii = ascii;
  }

  /** Drops the head text (the parser must not keep a message's text alive past its parse). */
  clear(): void {
    this.head = '';
    this.headStart = 0;
  }

  /** The latin1 text of bytes [a, e) of the head. */
  str(a: number, e: number): string {
    return this.head.slice(a - this.headStart, e - this.headStart);
  }

  /** A latin1 slice as event text: UTF-8 decoded when the head has high bytes (RFC 3261 §7). */
  text(latin1Text: string): string {
    return this.ascii ? latin1Text : utf8Text(latin1Text);
  }

  /** The content of a quoted-string with quoted-pairs resolved; `i`..`close` include both quotes. */
  unquote(b: Buffer, i: number, close: number): string {
    const inner = this.str(i + 1, close - 1);
    if (indexOfByte(b, 0x5c, i + 1, close - 1) < 0) return inner;
    let out = '';
    for (let k = 0; k < inner.length; k++) {
      const c = inner.charCodeAt(k);
      if (c === 0x5c && k + 1 < inner.length) k++;
      out += inner[k];
    }
    return out;
  }
}
