//! Reads the site config (`sipward analyze --config FILE`, YAML, `site:` section; config/README.md):
//! schema-validated with ajv, then semantic checks (CIDRs, countries, time zones, account ranges).
//! Every problem is reported as "<file>:<line>: <field>: <problem>" in one SIPWARD_CONFIG_INVALID.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { SipwardError } from '../../../lib/src/errors';
import { IpSet } from '../engine/compile/ip-set';
import {
  ajvPath,
  ajvProblem,
  usefulErrors,
  yamlErrorPosition,
  yamlErrorText,
  type YamlPath,
} from '../engine/load/schema-errors';
import { repoPath } from '../../../lib/src/repo-root';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface BorderEntry {
  address: string;
  name?: string;
  /** Interconnect-facing (NNI) address: only trusted peers are expected to send to it. */
  interconnect: boolean;
}

export interface TrustedPeer {
  name: string;
  addresses: string[];
  /** Host names that identify the peer in Via / Contact (matched case-insensitively). */
  hosts: string[];
  assert_identity: boolean;
  diversion: boolean;
  interconnect: boolean;
}

export interface BusinessHours {
  days: Weekday[];
  from: string;
  to: string;
  timezone: string;
  /** `from` / `to` as minutes after local midnight; to ≤ from means the window crosses midnight. */
  fromMinute: number;
  toMinute: number;
}

export interface AccountRange {
  low: number;
  high: number;
}

export interface AccountGroup {
  name: string;
  /** Account names (exact match). */
  accounts: string[];
  /** Numeric ranges from "1000-1999" entries (inclusive; only all-digit accounts match). */
  ranges: AccountRange[];
  home_country?: string;
  business_hours?: BusinessHours;
  /** What one account of the group does on a normal busy day (`scales_with` signatures alert above it). */
  expected?: GroupExpectations;
}

export interface GroupExpectations {
  calls_per_minute?: number;
  concurrent_calls?: number;
}

/** The normalised site config: defaults filled in, border strings turned into entries. */
export interface SiteConfig {
  file: string;
  internal_networks: string[];
  border: BorderEntry[];
  trusted_peers: TrustedPeer[];
  /** E.164 prefixes as digits (no '+'). */
  own_numbers: string[];
  default_country?: string;
  account_groups: AccountGroup[];
}

/** `site.schema.json` sits next to this file's source (tsc does not copy it to dist/). */
function schemaFile(): string {
  const file = repoPath('analyzer', 'src', 'site', 'site.schema.json');
  if (!existsSync(file)) throw new SipwardError('SIPWARD_CONFIG_INVALID', `site.schema.json not found: ${file}`);
  return file;
}

let validator: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    validator = ajv.compile(JSON.parse(readFileSync(schemaFile(), 'utf8')) as object);
  }
  return validator;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** Turns a document path into a line number (the key's line for map entries). */
export function lineOf(doc: Document, lines: LineCounter, path: YamlPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range === undefined) continue;
    if (n > 0) {
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === path[n - 1]);
        const keyRange = (pair?.key as { range?: [number, number, number] } | null)?.range;
        if (keyRange !== undefined) return lines.linePos(keyRange[0]).line;
      } else if (isSeq(parent)) return lines.linePos(range[0]).line;
    }
    return lines.linePos(range[0]).line;
  }
  return 1;
}

const SITE_FORMATS: ReadonlyArray<[string, string]> = [
  ['/time/', 'not a time of day (HH:MM, 00:00 to 24:00)'],
  ['/country/', 'not an ISO 3166 alpha-2 country code (e.g. GB)'],
  ['own_numbers', 'not an E.164 prefix (+ and 1 to 15 digits)'],
];

function minuteOfDay(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** A valid IANA zone name, per the runtime's ICU data. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function validCountry(code: string): boolean {
  return isSupportedCountry(code as CountryCode);
}

interface RawBorder {
  address: string;
  name?: string;
  interconnect?: boolean;
}
interface RawPeer {
  name: string;
  addresses: string[];
  hosts?: string[];
  assert_identity?: boolean;
  diversion?: boolean;
  interconnect?: boolean;
}
interface RawGroup {
  name: string;
  accounts: Array<string | number>;
  home_country?: string;
  business_hours?: { days: Weekday[]; from: string; to: string; timezone: string };
  expected?: GroupExpectations;
}
interface RawSite {
  internal_networks?: string[];
  border?: Array<string | RawBorder>;
  trusted_peers?: RawPeer[];
  own_numbers?: Array<string | number>;
  default_country?: string;
  account_groups?: RawGroup[];
}

const RANGE = /^(\d+)\s*-\s*(\d+)$/;

/** Parses and validates config text; `file` names it in error messages. */
export function parseSiteConfig(text: string, file: string): SiteConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const shown = displayPath(file);
  if (doc.errors.length > 0) {
    const messages = doc.errors.map(
      (e) => `${shown}:${yamlErrorPosition(e, lines)}: (yaml): ${yamlErrorText(e, lines, text)}`,
    );
    throw new SipwardError('SIPWARD_CONFIG_INVALID', messages.join('\n'));
  }
  const errors: Array<{ line: number; text: string }> = [];
  const fail = (path: YamlPath, problem: string): void => {
    const field = path.length === 0 ? '(document)' : path.join('.');
    const line = lineOf(doc, lines, path);
    errors.push({ line, text: `${shown}:${line}: ${field}: ${problem}` });
  };
  // In file order, whichever check found them.
  const report = (): SipwardError =>
    new SipwardError(
      'SIPWARD_CONFIG_INVALID',
      [...errors]
        .sort((a, b) => a.line - b.line)
        .map((e) => e.text)
        .join('\n'),
    );
  const raw: unknown = doc.toJS() ?? {};
  // `site:` with nothing under it is an empty site, not a type error.
  if (raw !== null && typeof raw === 'object' && (raw as { site?: unknown }).site === null) {
    (raw as { site?: unknown }).site = {};
  }
  const validate = schemaValidator();
  if (!validate(raw)) {
    const found = usefulErrors(validate.errors ?? []);
    if (found.length === 0) fail([], 'invalid');
    for (const e of found) fail(ajvPath(e), ajvProblem(e, SITE_FORMATS));
    throw report();
  }
  const site: RawSite = (raw as { site?: RawSite }).site ?? {};

  const checkCidr = (cidr: string, path: YamlPath): void => {
    try {
      new IpSet([cidr]);
    } catch {
      fail(path, `not an IP address or CIDR: ${cidr}`);
    }
  };
  (site.internal_networks ?? []).forEach((c, i) => checkCidr(c, ['site', 'internal_networks', i]));

  const border: BorderEntry[] = (site.border ?? []).map((entry, i) => {
    const b: RawBorder = typeof entry === 'string' ? { address: entry } : entry;
    checkCidr(b.address, typeof entry === 'string' ? ['site', 'border', i] : ['site', 'border', i, 'address']);
    return {
      address: b.address,
      ...(b.name !== undefined ? { name: b.name } : {}),
      interconnect: b.interconnect === true,
    };
  });

  const peerNames = new Set<string>();
  const trusted_peers: TrustedPeer[] = (site.trusted_peers ?? []).map((p, i) => {
    if (peerNames.has(p.name)) fail(['site', 'trusted_peers', i, 'name'], `duplicate peer name "${p.name}"`);
    peerNames.add(p.name);
    if (p.addresses.length === 0 && (p.hosts ?? []).length === 0) {
      fail(['site', 'trusted_peers', i, 'addresses'], 'a peer needs at least one address or host');
    }
    p.addresses.forEach((c, j) => checkCidr(c, ['site', 'trusted_peers', i, 'addresses', j]));
    return {
      name: p.name,
      addresses: p.addresses,
      hosts: (p.hosts ?? []).map((h) => h.toLowerCase()),
      assert_identity: p.assert_identity === true,
      diversion: p.diversion === true,
      interconnect: p.interconnect === true,
    };
  });

  const own_numbers = (site.own_numbers ?? []).map((n) => String(n).replace(/^\+/, ''));

  if (site.default_country !== undefined && !validCountry(site.default_country)) {
    fail(['site', 'default_country'], `unknown country code ${site.default_country}`);
  }

  const seenAccounts = new Map<string, string>();
  const allRanges: Array<AccountRange & { group: string }> = [];
  const account_groups: AccountGroup[] = (site.account_groups ?? []).map((g, i) => {
    const at: YamlPath = ['site', 'account_groups', i];
    const accounts: string[] = [];
    const ranges: AccountRange[] = [];
    g.accounts.forEach((entry, j) => {
      const text = String(entry).trim();
      const m = RANGE.exec(text);
      if (m !== null) {
        const low = Number(m[1]);
        const high = Number(m[2]);
        if (low > high) return fail([...at, 'accounts', j], `range ${text} runs backwards`);
        const overlap = allRanges.find((r) => low <= r.high && high >= r.low);
        if (overlap !== undefined) {
          return fail([...at, 'accounts', j], `range ${text} overlaps a range of group "${overlap.group}"`);
        }
        allRanges.push({ low, high, group: g.name });
        ranges.push({ low, high });
        return;
      }
      if (text === '') return fail([...at, 'accounts', j], 'empty account name');
      const other = seenAccounts.get(text);
      if (other !== undefined) return fail([...at, 'accounts', j], `account "${text}" is already in group "${other}"`);
      seenAccounts.set(text, g.name);
      accounts.push(text);
    });
    if (g.home_country !== undefined && !validCountry(g.home_country)) {
      fail([...at, 'home_country'], `unknown country code ${g.home_country}`);
    }
    let business_hours: BusinessHours | undefined;
    const bh = g.business_hours;
    if (bh !== undefined) {
      if (!isValidTimeZone(bh.timezone))
        fail([...at, 'business_hours', 'timezone'], `unknown time zone ${bh.timezone}`);
      const fromMinute = minuteOfDay(bh.from);
      const toMinute = minuteOfDay(bh.to);
      if (fromMinute === toMinute) fail([...at, 'business_hours', 'to'], 'must differ from "from"');
      business_hours = { days: bh.days, from: bh.from, to: bh.to, timezone: bh.timezone, fromMinute, toMinute };
    }
    return {
      name: g.name,
      accounts,
      ranges,
      ...(g.home_country !== undefined ? { home_country: g.home_country } : {}),
      ...(business_hours !== undefined ? { business_hours } : {}),
      ...(g.expected !== undefined ? { expected: g.expected } : {}),
    };
  });
  // Named accounts that also fall in another group's range would make the group depend on order.
  for (const [name, group] of seenAccounts) {
    if (!/^\d+$/.test(name)) continue;
    const n = Number(name);
    const r = allRanges.find((x) => n >= x.low && n <= x.high && x.group !== group);
    if (r !== undefined)
      fail(['site', 'account_groups'], `account "${name}" of "${group}" is in a range of "${r.group}"`);
  }

  if (errors.length > 0) throw report();
  return {
    file,
    internal_networks: site.internal_networks ?? [],
    border,
    trusted_peers,
    own_numbers,
    ...(site.default_country !== undefined ? { default_country: site.default_country } : {}),
    account_groups,
  };
}

/** Reads and validates a config file (`--config FILE`). */
export function loadSiteConfig(path: string): SiteConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SipwardError(
      'SIPWARD_CONFIG_INVALID',
      `${displayPath(path)}:1: (file): cannot read config: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseSiteConfig(text, path);
}
