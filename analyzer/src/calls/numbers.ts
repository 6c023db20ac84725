//! The one home of phone numbers: dialled text → E.164, country, type, and the high-risk
//! destination list. Two readings share the normalisation and the libphonenumber-js parse:
//! - `num.*` enrichment (enrichment contract, `NumberClassifier`): callee, caller and forwarding/
//!   transfer target of a call, read with the account's home country (national numbers too),
//!   validity, whether it is international for the account, high-risk category. libphonenumber-js
//!   costs tens of µs per parse, so results are cached per (home country, number).
//! - call records (`recordNumber`, schema/src/call-record.ts `callee`): only numbers dialled in
//!   international form (+, 00, 011, tel:+) are classified, because the call tracker does not know
//!   the caller's home network and a guessed country would mislabel fraud destinations; codes of no
//!   country carry no `country`, only their `number_type` (NON_GEO_TYPES).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/max';
import type { SipEvent } from '../../../schema/src/sip-event';
import { SipwardError } from '../../../lib/src/errors';
import type { SiteKnowledge } from '../site/site-knowledge';
import { isInitialInvite } from '../state/invite-dialog';
import { LruTable } from '../state/lru-table';
import { repoPath } from '../../../lib/src/repo-root';

export type HighRiskCategory = 'satellite' | 'international_network' | 'premium' | 'irsf';
const CATEGORIES: ReadonlySet<string> = new Set(['satellite', 'international_network', 'premium', 'irsf']);

export interface HighRiskEntry {
  /** E.164 digits, no '+'. */
  prefix: string;
  category: HighRiskCategory;
  note: string;
}

/** Facts about one number; `num.callee.*`, `num.caller.*`, `num.target.*`. */
export interface NumberFacts {
  /** E.164 digits without '+' (as call records carry them). */
  e164?: string;
  /** ISO 3166 alpha-2; "001" for non-geographic codes (+870, +881, +882, +883, +979 …). */
  country?: string;
  /** libphonenumber type: MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE, PREMIUM_RATE, VOIP, … */
  type?: string;
  valid?: boolean;
  /** Country differs from the account's home country (or `default_country`); absent when neither is known. */
  international?: boolean;
  high_risk?: HighRiskCategory;
  high_risk_prefix?: string;
  /** Caller only: within the site's `own_numbers`. */
  own_range?: boolean;
  /** Fewer than 6 digits: an extension, not parsed. */
  extension?: boolean;
}

export interface NumberInfo {
  callee?: NumberFacts;
  caller?: NumberFacts;
  target?: NumberFacts;
}

export function emptyNumberInfo(): NumberInfo {
  return {};
}

export function resetNumberInfo(out: NumberInfo): void {
  out.callee = undefined;
  out.caller = undefined;
  out.target = undefined;
}

/** Longest-prefix lookup over E.164 digits. */
export class HighRiskList {
  private readonly byPrefix = new Map<string, HighRiskEntry>();
  private readonly lengths: number[];

  constructor(entries: readonly HighRiskEntry[]) {
    for (const e of entries) this.byPrefix.set(e.prefix, e);
    this.lengths = [...new Set(entries.map((e) => e.prefix.length))].sort((a, b) => b - a);
  }

  get size(): number {
    return this.byPrefix.size;
  }

  match(digits: string): HighRiskEntry | undefined {
    for (const len of this.lengths) {
      if (len > digits.length) continue;
      const hit = this.byPrefix.get(digits.slice(0, len));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

/** Parses the TSV (prefix<TAB>category<TAB>note, `#` comments); problems as "file:line: field: …". */
export function parseHighRiskList(text: string, file: string): HighRiskList {
  const entries: HighRiskEntry[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [prefixText = '', category = '', ...rest] = raw.split('\t').map((c) => c.trim());
    const at = `${file}:${i + 1}`;
    const prefix = prefixText.replace(/^\+/, '');
    if (!/^[1-9][0-9]{0,14}$/.test(prefix)) return errors.push(`${at}: prefix: not E.164 digits: ${prefixText}`);
    if (!CATEGORIES.has(category)) {
      return errors.push(`${at}: category: must be one of ${[...CATEGORIES].join(', ')} (got "${category}")`);
    }
    const dup = seen.get(prefix);
    if (dup !== undefined) return errors.push(`${at}: prefix: duplicate of line ${dup}`);
    seen.set(prefix, i + 1);
    entries.push({ prefix, category: category as HighRiskCategory, note: rest.join(' ') });
  });
  if (errors.length > 0) throw new SipwardError('SIPWARD_RULES_INVALID', errors.join('\n'));
  return new HighRiskList(entries);
}

export function loadHighRiskList(path: string): HighRiskList {
  const rel = relative(process.cwd(), path);
  const shown = rel === '' || rel.startsWith('..') ? path : rel;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SipwardError('SIPWARD_RULES_INVALID', `${shown}:1: (file): cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseHighRiskList(text, shown);
}

/** signatures/lists/high-risk-destinations.tsv (a missing file is reported by loadHighRiskList). */
function findDefaultList(): string {
  return repoPath('signatures', 'lists', 'high-risk-destinations.tsv');
}

export const DEFAULT_HIGH_RISK_LIST: string = findDefaultList();

/** Parses are cached per (home country, dialled digits); attacks rotate numbers, so bound it. */
const NUMBER_CACHE_ENTRIES = 16_384;
/** Shorter numbers are extensions / short codes, not worth a parse. */
const MIN_DIGITS = 6;
/** Region libphonenumber leaves empty for non-geographic codes; the call records use the same. */
const NON_GEOGRAPHIC = '001';

interface CacheEntry {
  /** Frozen facts for callee / target; undefined when the text is not a number. */
  facts: NumberFacts | undefined;
  /** Frozen facts with own_range, built on first use as a caller. */
  asCaller: NumberFacts | undefined;
}

const NOT_A_NUMBER: CacheEntry = Object.freeze({ facts: undefined, asCaller: undefined });
const EXTENSION: CacheEntry = Object.freeze({ facts: Object.freeze({ extension: true }), asCaller: undefined });

/** The user part of dialled text: scheme (tel:, sip:, sips:) and @host dropped, parameters kept. */
function userPart(dialled: string): string {
  let s = dialled.trim();
  const scheme = /^(tel|sips?):/i.exec(s);
  if (scheme !== null) s = s.slice(scheme[0].length);
  const at = s.indexOf('@');
  return at >= 0 ? s.slice(0, at) : s;
}

/** %2B → '+'; undefined when the escapes are malformed (then it is no number). */
function percentDecoded(s: string): string | undefined {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Dialled text → '+digits' (international) or 'digits' (as dialled), or undefined when not a number. */
export function normaliseDialled(dialled: string): string | undefined {
  let s: string | undefined = percentDecoded(userPart(dialled));
  if (s === undefined) return undefined;
  let context = '';
  const semi = s.indexOf(';');
  if (semi >= 0) {
    // RFC 3966 local number: ";phone-context=+44" supplies the country code.
    const m = /;phone-context=\+([0-9][0-9\-.()]*)/i.exec(s.slice(semi));
    if (m !== null) context = (m[1] ?? '').replace(/[-.()]/g, '');
    s = s.slice(0, semi);
  }
  s = s.replace(/[\s\-.()/]/g, '');
  if (!/^\+?[0-9]+$/.test(s)) return undefined;
  if (context !== '' && !s.startsWith('+')) return `+${context}${s}`;
  return s;
}

export class NumberClassifier {
  private readonly highRisk: HighRiskList;
  private readonly site: SiteKnowledge | undefined;
  private readonly defaultCountry: string | undefined;
  private readonly cache = new LruTable<string, CacheEntry>(NUMBER_CACHE_ENTRIES);

  constructor(opts: { highRisk: HighRiskList; site?: SiteKnowledge; defaultCountry?: string }) {
    this.highRisk = opts.highRisk;
    this.site = opts.site;
    this.defaultCountry = opts.defaultCountry ?? opts.site?.config.default_country;
  }

  /** Cached entries (tests and metrics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /**
   * Fills `out` (fields that do not apply are cleared). callee: Request-URI user (else To user) of an initial
   * INVITE, else dialog.callee_user. caller: PAI user else From user of an initial INVITE, else
   * dialog.caller_user. target: Refer-To user of a REFER, first Contact user of a 3xx. Diversion is
   * not a target: its URI names the party that forwarded, and the forwarded-to number is the callee.
   */
  classify(
    event: SipEvent,
    dialog: { callee_user?: string; caller_user?: string; account?: string },
    out: NumberInfo,
  ): void {
    resetNumberInfo(out);
    const sip = event.sip;
    const account = dialog.account ?? sip.from?.user;
    const home = this.site?.homeCountry(account) ?? this.defaultCountry;
    let callee: string | undefined;
    let caller: string | undefined;
    if (isInitialInvite(sip)) {
      callee = sip.request_uri_user ?? sip.to?.user;
      caller = sip.identity?.pai?.[0]?.user ?? sip.from?.user;
    } else if (dialog.callee_user !== undefined) {
      callee = dialog.callee_user;
      caller = dialog.caller_user;
    }
    if (callee !== undefined) out.callee = this.facts(callee, home, false);
    if (caller !== undefined) out.caller = this.facts(caller, home, true);
    let target: string | undefined;
    if (sip.type === 'request') {
      if (sip.method === 'REFER' && sip.refer_to !== undefined) target = uriUser(sip.refer_to);
    } else if (sip.status_code !== undefined && sip.status_code >= 300 && sip.status_code < 400) {
      target = sip.contact?.[0]?.user;
    }
    if (target !== undefined) out.target = this.facts(target, home, false);
  }

  /** Facts for one dialled string (undefined when it is not a number, e.g. "alice"). */
  facts(dialled: string, home: string | undefined, asCaller: boolean): NumberFacts | undefined {
    // Keyed by the raw text first: the warm path then skips normalisation (regexes) entirely.
    const rawKey = `${home ?? ''}|${dialled}`;
    let entry = this.cache.get(rawKey);
    if (entry === undefined) {
      entry = this.entryFor(dialled, home);
      this.cache.set(rawKey, entry);
    }
    const facts = entry.facts;
    if (!asCaller || facts === undefined || facts.e164 === undefined || this.site === undefined) return facts;
    entry.asCaller ??= Object.freeze({ ...facts, own_range: this.site.isOwnNumber(facts.e164) });
    return entry.asCaller;
  }

  private entryFor(dialled: string, home: string | undefined): CacheEntry {
    const text = normaliseDialled(dialled);
    if (text === undefined) return NOT_A_NUMBER;
    const digitCount = text.startsWith('+') ? text.length - 1 : text.length;
    if (digitCount < MIN_DIGITS) return EXTENSION;
    // Other spellings of the same number share one parse.
    const key = `${home ?? ''}#${text}`;
    let entry = this.cache.get(key);
    if (entry === undefined) {
      entry = { facts: Object.freeze(this.parse(text, home)), asCaller: undefined };
      this.cache.set(key, entry);
    }
    return entry;
  }

  private parse(text: string, home: string | undefined): NumberFacts {
    const country = home !== undefined && isSupportedCountry(home) ? (home as CountryCode) : undefined;
    let international: string | undefined;
    if (text.startsWith('+')) international = text;
    else if (text.startsWith('00')) international = `+${text.slice(2)}`;
    let parsed = tryParse(international ?? text, international === undefined ? country : undefined);
    // Trunks often send E.164 without '+': take that reading when the national one is not valid.
    if (international === undefined && (parsed === undefined || !parsed.isValid())) {
      const asE164 = tryParse(`+${text}`, undefined);
      if (asE164 !== undefined && asE164.isValid()) parsed = asE164;
    }
    if (parsed === undefined) {
      // Unparseable but written internationally: still E.164 digits for the high-risk list.
      return international !== undefined
        ? this.withRisk({ e164: international.slice(1), valid: false })
        : { valid: false };
    }
    const facts: NumberFacts = { e164: parsed.number.slice(1) };
    const region = parsed.country ?? (parsed.countryCallingCode !== '' ? NON_GEOGRAPHIC : undefined);
    if (region !== undefined) facts.country = region;
    const type = parsed.getType();
    if (type !== undefined) facts.type = type;
    facts.valid = parsed.isValid();
    if (country !== undefined) {
      facts.international =
        parsed.country !== undefined
          ? parsed.country !== country
          : parsed.countryCallingCode !== getCountryCallingCode(country);
    }
    return this.withRisk(facts);
  }

  private withRisk(facts: NumberFacts): NumberFacts {
    const hit = facts.e164 !== undefined ? this.highRisk.match(facts.e164) : undefined;
    if (hit !== undefined) {
      facts.high_risk = hit.category;
      facts.high_risk_prefix = hit.prefix;
    }
    return facts;
  }
}

type Parsed = NonNullable<ReturnType<typeof parsePhoneNumberFromString>>;

function tryParse(text: string, country: CountryCode | undefined): Parsed | undefined {
  try {
    return country !== undefined ? parsePhoneNumberFromString(text, country) : parsePhoneNumberFromString(text);
  } catch {
    return undefined;
  }
}

/**
 * Non-geographic calling codes (ITU-T E.164 "global services") and their number type. They belong
 * to no country, so a call record carries no `country` for them (libphonenumber's region '001' is
 * not one): 870 (Inmarsat) and 881 (GMSS: Iridium, Thuraya ...) are satellite, 882/883 international
 * networks, 979 international premium rate — the classic IRSF destinations, whose libphonenumber
 * types (MOBILE, VOIP) would hide what a fraud team looks for.
 */
const NON_GEO_TYPES: Readonly<Record<string, string>> = {
  '800': 'TOLL_FREE',
  '808': 'SHARED_COST',
  '870': 'SATELLITE',
  '878': 'VOIP',
  '881': 'SATELLITE',
  '882': 'INTERNATIONAL_NETWORK',
  '883': 'INTERNATIONAL_NETWORK',
  '888': 'UAN',
  '979': 'PREMIUM_RATE',
};

/** The callee number of a call record (schema/src/call-record.ts). */
export interface RecordNumber {
  /** E.164 digits without '+'. */
  e164?: string;
  country?: string;
  number_type?: string;
}

/**
 * Dialled string → E.164 digits when it is written in international form, else undefined.
 * Accepts a bare user part or a tel:/sip: URI; drops URI parameters (`;phone-context=`, `;npdi`),
 * percent-encoding (%2B) and visual separators (space - . ( ) as RFC 3966 allows).
 */
export function toE164Digits(dialled: string): string | undefined {
  let s: string | undefined = userPart(dialled);
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  s = percentDecoded(s);
  if (s === undefined) return undefined;
  s = s.replace(/[\s\-.()]/g, '');
  let digits: string;
  if (s.startsWith('+')) digits = s.slice(1);
  else if (s.startsWith('00')) digits = s.slice(2);
  // NANP's international prefix; "011…" national numbers elsewhere are rare enough to accept.
  else if (s.startsWith('011')) digits = s.slice(3);
  else return undefined;
  // E.164: at most 15 digits; the shortest real numbers (e.g. +290 xxxx) have 7.
  if (!/^[1-9][0-9]{6,14}$/.test(digits)) return undefined;
  return digits;
}

/** A call record's callee number: E.164 digits, country and type, for international forms only. */
export function recordNumber(dialled: string): RecordNumber {
  const e164 = toE164Digits(dialled);
  if (e164 === undefined) return {};
  const parsed = tryParse(`+${e164}`, undefined);
  // An unknown calling code: the digits are still worth keeping.
  if (parsed === undefined) return { e164 };
  const nonGeoType = NON_GEO_TYPES[parsed.countryCallingCode];
  if (nonGeoType !== undefined) return { e164, number_type: nonGeoType };
  const info: RecordNumber = { e164 };
  if (parsed.country !== undefined) info.country = parsed.country;
  const type = parsed.getType();
  if (type !== undefined) info.number_type = type;
  return info;
}

/** User part of a raw URI header value: `"Name" <sip:user@host;p>?h=v`, `sip:user@host`, `<tel:+44…>`. */
export function uriUser(value: string): string | undefined {
  let s = value.trim();
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    s = s.slice(lt + 1, gt >= 0 ? gt : undefined);
  }
  const scheme = /^(sips?|tel):/i.exec(s);
  if (scheme === null) return undefined;
  const rest = s.slice(scheme[0].length);
  if ((scheme[1] ?? '').toLowerCase() === 'tel') {
    const end = rest.search(/[?>]/);
    return end >= 0 ? rest.slice(0, end) : rest;
  }
  const at = rest.indexOf('@');
  if (at < 0) return undefined;
  const user = rest.slice(0, at);
  // A password after ':' is not part of the user.
  const colon = user.indexOf(':');
  return colon >= 0 ? user.slice(0, colon) : user;
}
