//! `sipward rules test`: runs each fixture of expect.yaml through an engine holding only that
//! signature and compares the 'final' alerts with what expect.yaml demands.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Alert } from '../../../../schema/src/alert';
import type { SipEvent } from '../../../../schema/src/sip-event';
import { loadSiteConfig, type SiteConfig } from '../../site/site-config';
import { DetectionEngine } from '../engine';
import { defaultSignaturesDir } from '../load/load-signatures';
import type { ExpectEntry, LoadedSignature } from '../signature';

export interface FixtureResult {
  id: string;
  fixture: string;
  pass: boolean;
  expectedAlerts: number;
  actualAlerts: number;
  /** Why it failed (empty when it passed). */
  problems: string[];
}

export function readJsonl(file: string): SipEvent[] {
  const events: SipEvent[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        events.push(JSON.parse(line) as SipEvent);
      } catch {
        throw new Error(`${file}:${i + 1}: not a JSON object`);
      }
    });
  return events;
}

let fixtureWorld: SiteConfig | undefined | null = null;

/** signatures/test-site.yaml: the site knowledge every fixture runs with unless it says `site: none`. */
export function fixtureSite(): SiteConfig | undefined {
  if (fixtureWorld === null) {
    const file = join(defaultSignaturesDir(), 'test-site.yaml');
    fixtureWorld = existsSync(file) ? loadSiteConfig(file) : undefined;
  }
  return fixtureWorld;
}

/** The 'final' alerts the given signatures raise over `events` (one per incident). */
export function finalAlerts(
  signatures: readonly LoadedSignature[],
  events: Iterable<SipEvent>,
  site?: SiteConfig,
): Alert[] {
  const alerts: Alert[] = [];
  const engine = new DetectionEngine(signatures, {
    emitUpdates: false,
    ...(site !== undefined ? { site } : {}),
    onAlert: (alert, phase) => {
      if (phase === 'final') alerts.push(alert);
    },
  });
  for (const event of events) engine.process(event);
  engine.flush();
  return alerts;
}

/** Reads a dotted path from an alert; keys that themselves contain dots (sipward.group) are tried whole. */
export function alertField(node: unknown, path: string): unknown {
  if (path === '') return node;
  if (node === null || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (path in record) return record[path];
  const segs = path.split('.');
  for (let n = segs.length - 1; n >= 1; n--) {
    const head = segs.slice(0, n).join('.');
    if (head in record) {
      const found = alertField(record[head], segs.slice(n).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Scalars compare by text ("1001" = 1001); an expected scalar matches an array holding it. */
export function valueMatches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return JSON.stringify(actual) === JSON.stringify(expected);
  if (Array.isArray(actual)) return actual.some((item) => valueMatches(item, expected));
  if (expected !== null && typeof expected === 'object') return JSON.stringify(actual) === JSON.stringify(expected);
  return actual !== undefined && actual !== null && String(actual) === String(expected);
}

export function runFixture(loaded: LoadedSignature, entry: ExpectEntry): FixtureResult {
  const problems: string[] = [];
  let alerts: Alert[] = [];
  try {
    const site = entry.site === 'none' ? undefined : fixtureSite();
    alerts = finalAlerts([loaded], readJsonl(resolve(loaded.dir, entry.fixture)), site);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length === 0 && alerts.length !== entry.alerts) {
    problems.push(`expected ${entry.alerts} alert(s), got ${alerts.length}`);
  }
  const match = entry.match;
  if (problems.length === 0 && match !== undefined && alerts.length > 0) {
    const fits = (alert: Alert): boolean =>
      Object.entries(match).every(([path, want]) => valueMatches(alertField(alert, path), want));
    if (!alerts.some(fits)) {
      const first = alerts[0];
      for (const [path, want] of Object.entries(match)) {
        const got = alertField(first, path);
        if (!valueMatches(got, want))
          problems.push(`${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      }
    }
  }
  return {
    id: loaded.signature.id,
    fixture: entry.fixture,
    pass: problems.length === 0,
    expectedAlerts: entry.alerts,
    actualAlerts: alerts.length,
    problems,
  };
}

/** Every fixture of the given signatures (all when `ids` is empty); a signature without any fails. */
export function runSignatureFixtures(
  signatures: readonly LoadedSignature[],
  ids: readonly string[] = [],
): FixtureResult[] {
  const wanted = new Set(ids);
  const results: FixtureResult[] = [];
  for (const loaded of signatures) {
    if (wanted.size > 0 && !wanted.has(loaded.signature.id)) continue;
    const expect = loaded.expect ?? [];
    if (expect.length === 0) {
      results.push({
        id: loaded.signature.id,
        fixture: '(none)',
        pass: false,
        expectedAlerts: 0,
        actualAlerts: 0,
        problems: ['no fixtures in expect.yaml'],
      });
    }
    for (const entry of expect) results.push(runFixture(loaded, entry));
  }
  return results;
}
