//! One shared copy of strings that repeat across held state (addresses, user agents): every event
//! is parsed from its own JSON text, so each held field would otherwise be a copy of its own. V8
//! already shares JSON string values of up to 10 characters; this covers the longer ones. Bounded:
//! the table starts over when full (a string interned before stays shared where it is held).

const MAX_INTERNED = 16_384;
/** Longer strings are rarely repeated (Call-IDs, message text): not worth a table slot. */
const MAX_INTERNED_LENGTH = 128;

export class Interner {
  private readonly table = new Map<string, string>();

  constructor(private readonly maxEntries = MAX_INTERNED) {}

  get size(): number {
    return this.table.size;
  }

  /** The shared copy of `value` (the value itself the first time it is seen). */
  intern<S extends string | undefined>(value: S): S {
    if (value === undefined || value.length > MAX_INTERNED_LENGTH) return value;
    const shared = this.table.get(value);
    if (shared !== undefined) return shared as S;
    if (this.table.size >= this.maxEntries) this.table.clear();
    this.table.set(value, value);
    return value;
  }
}
