//! The `tuning:` and `suppress:` sections of `--config FILE` (config/README.md "Tuning"): what an
//! operator changes per signature (disable, severity, parameters, scoped to account groups, zones,
//! CIDRs or peers) and which traffic raises nothing (suppress by source, destination, account or
//! number prefix, with a reason and an expiry). The whole document has passed the site schema
//! already; this reads the entries with their line numbers and checks what a schema cannot
//! (CIDRs, dates, names the site declares). Checks that need the signatures run in apply-tuning.ts.
import { LineCounter, parseDocument } from 'yaml';
import { SipwardError } from '../../../lib/src/errors';
import { IpSet } from '../engine/compile/ip-set';
import type { YamlPath } from '../engine/load/schema-errors';
import { displayPath, lineOf, type SiteConfig } from '../site/site-config';
import type { Zone } from '../site/site-knowledge';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Where a tuning entry applies; several keys must all hold. Absent = everywhere. */
export interface TuningScope {
  account_groups?: string[];
  /** Source zone of the event (for a response: of the requester, as the alert names it). */
  zones?: Zone[];
  cidrs?: string[];
  peers?: string[];
}

export interface TuningEntry {
  signature: string;
  scope?: TuningScope;
  disable?: boolean;
  severity?: Severity;
  /** Parameter overrides as written (`threshold: 50`, `window: 2m`). */
  set: Record<string, number | string>;
  reason?: string;
  /** `file:line` of the entry, for `rules effective` and errors. */
  origin: string;
  /** `file:line` of the signature id and of each `set` key. */
  signatureAt: string;
  setAt: Record<string, string>;
}

export interface SuppressEntry {
  /** Signature ids it applies to; empty = every signature. */
  signatures: string[];
  signatureAt: string[];
  source?: string;
  destination?: string;
  account?: string;
  /** E.164 digits (no '+'). */
  number_prefix?: string;
  expiresMs?: number;
  reason: string;
  origin: string;
}

export interface TuningConfig {
  file: string;
  entries: TuningEntry[];
  /** Entries still in force at load time (expired ones are left out and listed in `expired`). */
  suppress: SuppressEntry[];
  expired: SuppressEntry[];
}

interface RawScope {
  account_groups?: Array<string | number>;
  zones?: Zone[];
  cidrs?: string[];
  peers?: Array<string | number>;
}
interface RawEntry {
  signature: string;
  scope?: RawScope;
  disable?: boolean;
  severity?: Severity;
  set?: Record<string, number | string>;
  reason?: string;
}
interface RawSuppress {
  signature?: string | string[];
  source?: string;
  destination?: string;
  account?: string | number;
  number_prefix?: string | number;
  expires?: string;
  reason: string;
}

/**
 * Reads `tuning:` / `suppress:` of a schema-valid config text. `site` is the parsed `site:` (scope
 * names are checked against it); `nowMs` decides which suppress entries have expired.
 */
export function parseTuningConfig(
  text: string,
  file: string,
  site: SiteConfig | undefined,
  nowMs: number = Date.now(),
): TuningConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const shown = displayPath(file);
  const at = (path: YamlPath): string => `${shown}:${lineOf(doc, lines, path)}`;
  const errors: string[] = [];
  const fail = (path: YamlPath, problem: string): void => {
    errors.push(`${at(path)}: ${path.join('.')}: ${problem}`);
  };
  const raw = (doc.toJS() ?? {}) as { tuning?: RawEntry[] | null; suppress?: RawSuppress[] | null };
  const checkCidr = (cidr: string, path: YamlPath): void => {
    try {
      new IpSet([cidr]);
    } catch {
      fail(path, `not an IP address or CIDR: ${cidr}`);
    }
  };
  const groupNames = new Set((site?.account_groups ?? []).map((g) => g.name));
  const peerNames = new Set((site?.trusted_peers ?? []).map((p) => p.name));

  const entries: TuningEntry[] = (raw.tuning ?? []).map((e, i) => {
    const path: YamlPath = ['tuning', i];
    const scope = e.scope === undefined ? undefined : readScope(e.scope, [...path, 'scope']);
    const set = e.set ?? {};
    const setAt: Record<string, string> = {};
    for (const key of Object.keys(set)) setAt[key] = at([...path, 'set', key]);
    if (e.disable === true && (e.severity !== undefined || Object.keys(set).length > 0)) {
      fail([...path, 'disable'], 'a disabled signature takes no severity or set');
    }
    return {
      signature: e.signature,
      ...(scope !== undefined ? { scope } : {}),
      ...(e.disable !== undefined ? { disable: e.disable } : {}),
      ...(e.severity !== undefined ? { severity: e.severity } : {}),
      set,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      origin: at(path),
      signatureAt: at([...path, 'signature']),
      setAt,
    };
  });

  function readScope(s: RawScope, path: YamlPath): TuningScope {
    (s.cidrs ?? []).forEach((c, j) => checkCidr(c, [...path, 'cidrs', j]));
    const groups = (s.account_groups ?? []).map(String);
    groups.forEach((g, j) => {
      if (!groupNames.has(g)) fail([...path, 'account_groups', j], `no account group "${g}" in site.account_groups`);
    });
    const peers = (s.peers ?? []).map(String);
    peers.forEach((p, j) => {
      if (!peerNames.has(p)) fail([...path, 'peers', j], `no trusted peer "${p}" in site.trusted_peers`);
    });
    return {
      ...(s.account_groups !== undefined ? { account_groups: groups } : {}),
      ...(s.zones !== undefined ? { zones: s.zones } : {}),
      ...(s.cidrs !== undefined ? { cidrs: s.cidrs } : {}),
      ...(s.peers !== undefined ? { peers } : {}),
    };
  }

  const suppress: SuppressEntry[] = [];
  const expired: SuppressEntry[] = [];
  (raw.suppress ?? []).forEach((s, i) => {
    const path: YamlPath = ['suppress', i];
    if ([s.source, s.destination, s.account, s.number_prefix].every((v) => v === undefined)) {
      fail(path, 'a suppress entry needs source, destination, account or number_prefix');
    }
    if (s.source !== undefined) checkCidr(s.source, [...path, 'source']);
    if (s.destination !== undefined) checkCidr(s.destination, [...path, 'destination']);
    let expiresMs: number | undefined;
    if (s.expires !== undefined) {
      // A bare date means the end of that day (UTC): "until 2027-01-31" includes the 31st.
      const bare = /^\d{4}-\d{2}-\d{2}$/.test(s.expires);
      expiresMs = Date.parse(bare ? `${s.expires}T23:59:59.999Z` : s.expires);
      if (Number.isNaN(expiresMs)) fail([...path, 'expires'], `not a date: ${s.expires}`);
    }
    const ids = s.signature === undefined ? [] : Array.isArray(s.signature) ? s.signature : [s.signature];
    const entry: SuppressEntry = {
      signatures: ids,
      signatureAt: ids.map((_, j) =>
        at(Array.isArray(s.signature) ? [...path, 'signature', j] : [...path, 'signature']),
      ),
      ...(s.source !== undefined ? { source: s.source } : {}),
      ...(s.destination !== undefined ? { destination: s.destination } : {}),
      ...(s.account !== undefined ? { account: String(s.account) } : {}),
      ...(s.number_prefix !== undefined ? { number_prefix: String(s.number_prefix).replace(/^\+/, '') } : {}),
      ...(expiresMs !== undefined && !Number.isNaN(expiresMs) ? { expiresMs } : {}),
      reason: s.reason,
      origin: at(path),
    };
    if (entry.expiresMs !== undefined && entry.expiresMs <= nowMs) expired.push(entry);
    else suppress.push(entry);
  });

  if (errors.length > 0) {
    const line = (m: string): number => Number(/^[^:]*:(\d+):/.exec(m)?.[1] ?? 0);
    throw new SipwardError('SIPWARD_CONFIG_INVALID', errors.sort((a, b) => line(a) - line(b)).join('\n'));
  }
  return { file, entries, suppress, expired };
}
