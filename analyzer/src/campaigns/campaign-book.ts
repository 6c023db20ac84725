//! Campaigns (schema/src/campaign.ts): alerts that share an attacker address, an account or a
//! dialled number within `windowMs` are one story. Pure bookkeeping over alerts; the caller decides
//! when an alert is linked (analyze: when it is final) and where campaigns go.
//!
//! Linking keys: `source.ip` unless it is a relay (a border element or trusted peer forwards many
//! callers: linking by its address would join unrelated stories), `user.name` (the account), and
//! the dialled number (`sip.request_uri_user` of 6+ digits). Destination addresses do not link:
//! every attack on a site targets the same registrars and SBCs.
import type { Alert, Severity } from '../../../schema/src/alert';
import { SEVERITY_NUMBER } from '../../../schema/src/alert';
import type { Campaign } from '../../../schema/src/campaign';
import { IpSet } from '../engine/compile/ip-set';
import type { SiteConfig } from '../site/site-config';

export const DEFAULT_CAMPAIGN_WINDOW_MS = 3_600_000;
const MAX_ALERT_IDS = 100;
const MAX_LISTED = 50;
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface CampaignOptions {
  /** Two alerts link when one starts within this time of the other's entity last being seen. */
  windowMs?: number;
  /** Addresses that relay others' traffic (site border and trusted peers): they never link. */
  isRelay?: (ip: string) => boolean;
}

interface Story {
  id: string;
  firstMs: number;
  lastMs: number;
  /** Signature id → first start, for the order they fired in. */
  firstBySignature: Map<string, number>;
  severity: number;
  alerts: number;
  alertIds: string[];
  sources: Set<string>;
  accounts: Set<string>;
  numbers: Set<string>;
  mergedIds: string[];
}

interface Seen {
  story: Story;
  firstMs: number;
  lastMs: number;
}

function dialled(alert: Alert): string | undefined {
  const v = alert.sip?.['request_uri_user'];
  if (typeof v !== 'string') return undefined;
  const digits = v.replace(/^\+/, '');
  return /^\d{6,}$/.test(digits) ? digits : undefined;
}

/** The site's relays: border elements and trusted peers (their addresses link nothing). */
export function relaysOf(site: SiteConfig | undefined): ((ip: string) => boolean) | undefined {
  if (site === undefined) return undefined;
  const set = new IpSet([...site.border.map((b) => b.address), ...site.trusted_peers.flatMap((p) => p.addresses)]);
  return (ip) => set.contains(ip);
}

/** Linking keys kept per this many links before old ones are dropped (bounded memory on live input). */
const PRUNE_EVERY = 4096;

export class CampaignBook {
  private links = 0;
  private readonly windowMs: number;
  private readonly isRelay: (ip: string) => boolean;
  private readonly byKey = new Map<string, Seen>();
  private readonly stories = new Map<string, Story>();
  /** A merged-away story → the one it became. */
  private readonly alias = new Map<Story, Story>();

  constructor(options: CampaignOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_CAMPAIGN_WINDOW_MS;
    this.isRelay = options.isRelay ?? (() => false);
  }

  /** Links the alert to its campaign (a new one when it shares nothing recent) and sets `sipward.campaign.id`. */
  link(alert: Alert): string {
    const startMs = Date.parse(alert.event.start);
    const endMs = Date.parse(alert.event.end);
    if (++this.links % PRUNE_EVERY === 0) this.prune(startMs);
    const keys = this.keysOf(alert);
    const found: Story[] = [];
    for (const key of keys) {
      const seen = this.byKey.get(key);
      // Finals arrive out of time order: the alert may come before or after what was seen.
      if (seen === undefined || startMs - seen.lastMs > this.windowMs || seen.firstMs - endMs > this.windowMs) continue;
      const story = this.resolve(seen.story);
      if (!found.includes(story)) found.push(story);
    }
    found.sort((a, b) => a.firstMs - b.firstMs || a.id.localeCompare(b.id));
    const story = found[0] ?? this.open(alert, startMs);
    for (const other of found.slice(1)) this.merge(story, other);
    this.add(story, alert, startMs, endMs);
    for (const key of keys) {
      const seen = this.byKey.get(key);
      this.byKey.set(key, {
        story,
        firstMs: Math.min(startMs, seen?.firstMs ?? startMs),
        lastMs: Math.max(endMs, seen?.lastMs ?? endMs),
      });
    }
    alert.sipward.campaign = { id: story.id };
    return story.id;
  }

  /** Every campaign (merged ones folded into their survivor), oldest first. */
  campaigns(): Campaign[] {
    return [...this.stories.values()].sort((a, b) => a.firstMs - b.firstMs).map(toDocument);
  }

  /** Forgets keys not seen within two windows of `nowMs` (alerts arrive roughly in time order). */
  private prune(nowMs: number): void {
    for (const [key, seen] of this.byKey) if (nowMs - seen.lastMs > 2 * this.windowMs) this.byKey.delete(key);
  }

  private keysOf(alert: Alert): string[] {
    const keys: string[] = [];
    const ip = alert.source?.ip;
    if (ip !== undefined && ip !== '' && !this.isRelay(ip)) keys.push(`ip:${ip}`);
    const user = alert.user?.name;
    if (user !== undefined && user !== '') keys.push(`user:${user}`);
    const number = dialled(alert);
    if (number !== undefined) keys.push(`num:${number}`);
    return keys;
  }

  private resolve(story: Story): Story {
    let s = story;
    for (let next = this.alias.get(s); next !== undefined; next = this.alias.get(s)) s = next;
    return s;
  }

  private open(alert: Alert, startMs: number): Story {
    const story: Story = {
      id: `cmp-${alert.event.id}`,
      firstMs: startMs,
      lastMs: startMs,
      firstBySignature: new Map(),
      severity: 0,
      alerts: 0,
      alertIds: [],
      sources: new Set(),
      accounts: new Set(),
      numbers: new Set(),
      mergedIds: [],
    };
    this.stories.set(story.id, story);
    return story;
  }

  private add(story: Story, alert: Alert, startMs: number, endMs: number): void {
    story.firstMs = Math.min(story.firstMs, startMs);
    story.lastMs = Math.max(story.lastMs, endMs);
    const first = story.firstBySignature.get(alert.rule.id);
    if (first === undefined || startMs < first) story.firstBySignature.set(alert.rule.id, startMs);
    story.severity = Math.max(story.severity, alert.event.severity);
    story.alerts++;
    if (story.alertIds.length < MAX_ALERT_IDS) story.alertIds.push(alert.event.id);
    if (alert.source?.ip !== undefined && story.sources.size < MAX_LISTED) story.sources.add(alert.source.ip);
    if (alert.user?.name !== undefined && story.accounts.size < MAX_LISTED) story.accounts.add(alert.user.name);
    const number = dialled(alert);
    if (number !== undefined && story.numbers.size < MAX_LISTED) story.numbers.add(number);
  }

  private merge(into: Story, other: Story): void {
    into.firstMs = Math.min(into.firstMs, other.firstMs);
    into.lastMs = Math.max(into.lastMs, other.lastMs);
    for (const [id, t] of other.firstBySignature) {
      const mine = into.firstBySignature.get(id);
      if (mine === undefined || t < mine) into.firstBySignature.set(id, t);
    }
    into.severity = Math.max(into.severity, other.severity);
    into.alerts += other.alerts;
    for (const id of other.alertIds) if (into.alertIds.length < MAX_ALERT_IDS) into.alertIds.push(id);
    for (const v of other.sources) if (into.sources.size < MAX_LISTED) into.sources.add(v);
    for (const v of other.accounts) if (into.accounts.size < MAX_LISTED) into.accounts.add(v);
    for (const v of other.numbers) if (into.numbers.size < MAX_LISTED) into.numbers.add(v);
    into.mergedIds.push(other.id, ...other.mergedIds);
    this.stories.delete(other.id);
    this.alias.set(other, into);
  }
}

function severityName(n: number): Severity {
  return SEVERITIES.find((s) => SEVERITY_NUMBER[s] === n) ?? 'low';
}

function toDocument(story: Story): Campaign {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const signatures = [...story.firstBySignature.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  const severity = severityName(story.severity);
  const sources = [...story.sources];
  const accounts = [...story.accounts];
  const who = [
    sources.length > 0 ? `from ${sources.join(', ')}` : '',
    accounts.length > 0 ? `accounts ${accounts.join(', ')}` : '',
  ]
    .filter((s) => s !== '')
    .join('; ');
  return {
    '@timestamp': iso(story.firstMs),
    message: `${severity} campaign: ${signatures.join(' → ')} (${story.alerts} alert${story.alerts === 1 ? '' : 's'})${who === '' ? '' : `, ${who}`}`,
    event: {
      kind: 'alert',
      dataset: 'sipward.campaign',
      module: 'sipward',
      id: story.id,
      start: iso(story.firstMs),
      end: iso(story.lastMs),
      severity: SEVERITY_NUMBER[severity],
      risk_score: SEVERITY_NUMBER[severity],
    },
    related: { ip: sources, user: accounts },
    sipward: {
      campaign: {
        id: story.id,
        first_seen: iso(story.firstMs),
        last_seen: iso(story.lastMs),
        signatures,
        severity,
        alerts: story.alerts,
        alert_ids: story.alertIds,
        sources,
        accounts,
        numbers: [...story.numbers],
        merged_ids: story.mergedIds,
      },
    },
  };
}
