//! The site's view of an event (`site.*` enrichment, enrichment contract): which zone each address
//! is in, the direction of the message, whether the source may assert identity or divert, and
//! whether an INVITE falls in its account group's business hours. Pure lookups over SiteConfig;
//! runs per event, so zone answers are cached per IP string and time-zone offsets per quarter hour.
import type { SipEvent } from '../../../schema/src/sip-event';
import { eventTimeMs } from '../engine/event-time';
import { IpSet } from '../engine/compile/ip-set';
import { LruTable } from '../state/lru-table';
import type { AccountGroup, BusinessHours, SiteConfig, TrustedPeer, Weekday } from './site-config';

export type { SiteConfig } from './site-config';

export type Zone = 'internal' | 'border' | 'trusted' | 'external';
export type Direction = 'inbound' | 'outbound' | 'internal' | 'transit';

/** `site.*` — every field absent when no site config is loaded. */
export interface SiteInfo {
  configured?: boolean;
  source_zone?: Zone;
  destination_zone?: Zone;
  source_peer?: string;
  source_may_assert_identity?: boolean;
  source_may_divert?: boolean;
  direction?: Direction;
  crosses_border?: boolean;
  business_hours?: boolean;
  /** The account group (config `account_groups[].name`) of the event's account. */
  account_group?: string;
  interconnect?: boolean;
  unexpected_peer?: boolean;
  /** The trusted peer a request names in its top Via or first Record-Route host (claims, not proof). */
  claimed_peer?: string;
  /** A request claims a trusted peer (by host name) that its source address is not. */
  peer_mismatch?: boolean;
}

export function emptySiteInfo(): SiteInfo {
  return {};
}

/** Clears every field in place (the engine reuses one object per event). */
export function resetSiteInfo(out: SiteInfo): void {
  out.configured = undefined;
  out.source_zone = undefined;
  out.destination_zone = undefined;
  out.source_peer = undefined;
  out.claimed_peer = undefined;
  out.peer_mismatch = undefined;
  out.source_may_assert_identity = undefined;
  out.source_may_divert = undefined;
  out.direction = undefined;
  out.crosses_border = undefined;
  out.business_hours = undefined;
  out.account_group = undefined;
  out.interconnect = undefined;
  out.unexpected_peer = undefined;
}

/** What an address alone says (cached per IP string). */
interface AddressZone {
  zone: Zone;
  /** The trusted peer owning the address (zone `trusted`). */
  peer: TrustedPeer | undefined;
  /** A `border[]` entry marked `interconnect: true`. */
  interconnectBorder: boolean;
}

/** Zone answers kept per IP string: a capture repeats few addresses, attacks rotate many. */
const ZONE_CACHE_ENTRIES = 4096;
/** Offsets change at DST transitions, which fall on quarter hours in every IANA zone. */
const OFFSET_BUCKET_MS = 15 * 60_000;
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Schedule {
  hours: BusinessHours;
  /** Bit per UTC-day index (0 = Sunday) of the days in `hours.days`. */
  dayMask: number;
  formatter: Intl.DateTimeFormat;
  bucket: number;
  offsetMs: number;
}

/** Per-timezone formatters shared by every group in that zone (creating one costs ~50 µs). */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The zone's UTC offset at `ms`: local wall-clock read back as UTC minus the instant. */
function offsetAt(formatter: Intl.DateTimeFormat, ms: number): number {
  const parts = formatter.formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** Business hours at `ms` in the schedule's zone (windows with to ≤ from run past midnight). */
function inBusinessHours(schedule: Schedule, ms: number): boolean {
  const bucket = Math.floor(ms / OFFSET_BUCKET_MS);
  if (bucket !== schedule.bucket) {
    schedule.offsetMs = offsetAt(schedule.formatter, ms);
    schedule.bucket = bucket;
  }
  const local = new Date(ms + schedule.offsetMs);
  const day = local.getUTCDay();
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const { fromMinute, toMinute } = schedule.hours;
  if (fromMinute < toMinute) return (schedule.dayMask & (1 << day)) !== 0 && minute >= fromMinute && minute < toMinute;
  // Overnight window: the evening belongs to today, the early morning to the day it started.
  if (minute >= fromMinute) return (schedule.dayMask & (1 << day)) !== 0;
  return minute < toMinute && (schedule.dayMask & (1 << ((day + 6) % 7))) !== 0;
}

function scheduleOf(hours: BusinessHours): Schedule {
  let dayMask = 0;
  for (const d of hours.days) dayMask |= 1 << WEEKDAYS.indexOf(d);
  return { hours, dayMask, formatter: formatterFor(hours.timezone), bucket: NaN, offsetMs: 0 };
}

interface GroupEntry {
  group: AccountGroup;
  schedule: Schedule | undefined;
}

const INSIDE: ReadonlySet<Zone> = new Set(['internal', 'border']);

export class SiteKnowledge {
  private readonly internal: IpSet;
  private readonly border: IpSet;
  private readonly interconnectBorder: IpSet;
  private readonly peers: Array<{ peer: TrustedPeer; set: IpSet }>;
  private readonly peerByHost = new Map<string, TrustedPeer>();
  private readonly zoneCache = new LruTable<string, AddressZone>(ZONE_CACHE_ENTRIES);
  private readonly groupByAccount = new Map<string, GroupEntry>();
  private readonly groupRanges: Array<{ low: number; high: number; entry: GroupEntry }> = [];
  /** E.164 digit prefixes, longest first so the first hit is the most specific. */
  private readonly ownPrefixes: string[];

  constructor(readonly config: SiteConfig) {
    this.internal = new IpSet(config.internal_networks);
    this.border = new IpSet(config.border.map((b) => b.address));
    this.interconnectBorder = new IpSet(config.border.filter((b) => b.interconnect).map((b) => b.address));
    this.peers = config.trusted_peers.map((peer) => ({ peer, set: new IpSet(peer.addresses) }));
    for (const peer of config.trusted_peers) for (const host of peer.hosts) this.peerByHost.set(host, peer);
    for (const group of config.account_groups) {
      const entry: GroupEntry = {
        group,
        schedule: group.business_hours !== undefined ? scheduleOf(group.business_hours) : undefined,
      };
      for (const account of group.accounts) this.groupByAccount.set(account, entry);
      for (const r of group.ranges) this.groupRanges.push({ low: r.low, high: r.high, entry });
    }
    this.ownPrefixes = [...config.own_numbers].sort((a, b) => b.length - a.length);
  }

  /**
   * An address's zone. Precedence border > trusted > internal: internal_networks are broad ranges,
   * border and trusted entries name specific hosts that may sit inside them (a branch PBX on 10/8).
   */
  zoneOf(ip: string): AddressZone {
    const cached = this.zoneCache.get(ip);
    if (cached !== undefined) return cached;
    let result: AddressZone;
    if (this.border.contains(ip)) {
      result = { zone: 'border', peer: undefined, interconnectBorder: this.interconnectBorder.contains(ip) };
    } else {
      const peer = this.peers.find((p) => p.set.contains(ip))?.peer;
      if (peer !== undefined) result = { zone: 'trusted', peer, interconnectBorder: false };
      else
        result = {
          zone: this.internal.contains(ip) ? 'internal' : 'external',
          peer: undefined,
          interconnectBorder: false,
        };
    }
    this.zoneCache.set(ip, result);
    return result;
  }

  /** The trusted peer a host name belongs to (Via / Contact / Request-URI hosts). */
  private peerByName(host: string | undefined): TrustedPeer | undefined {
    if (host === undefined || this.peerByHost.size === 0) return undefined;
    return this.peerByHost.get(host.toLowerCase());
  }

  /** The account's group: exact name first, then numeric ranges for all-digit accounts. */
  private groupOf(account: string | undefined): GroupEntry | undefined {
    if (account === undefined) return undefined;
    const named = this.groupByAccount.get(account);
    if (named !== undefined || this.groupRanges.length === 0) return named;
    if (account.length === 0 || account.length > 15 || !/^\d+$/.test(account)) return undefined;
    const n = Number(account);
    for (const r of this.groupRanges) if (n >= r.low && n <= r.high) return r.entry;
    return undefined;
  }

  homeCountry(account: string | undefined): string | undefined {
    return this.groupOf(account)?.group.home_country ?? this.config.default_country;
  }

  /** True when the number (E.164, with or without '+') starts with one of `own_numbers`. */
  isOwnNumber(e164: string): boolean {
    const digits = e164.startsWith('+') ? e164.slice(1) : e164;
    for (const prefix of this.ownPrefixes) if (digits.startsWith(prefix)) return true;
    return false;
  }

  /** Fills every field of `out` for one event (no reset needed); `account` is the caller's account. */
  classify(event: SipEvent, account: string | undefined, out: SiteInfo): void {
    const sip = event.sip;
    const src = this.zoneOf(event.source.ip);
    const dst = this.zoneOf(event.destination.ip);
    // Zones and rights come from addresses only: Via, Contact and Request-URI host names are whatever
    // the sender wrote. A host name only says which peer the message *claims* to come from.
    const srcZone = src.zone;
    const srcPeer = src.peer;
    const dstZone = dst.zone;
    const dstPeer = dst.peer;
    const claimed =
      this.peerByHost.size === 0
        ? undefined
        : sip.type === 'request'
          ? (this.peerByName(sip.via?.[0]?.host) ?? this.peerByName(firstRouteHost(sip.record_route)))
          : undefined;
    const srcInside = INSIDE.has(srcZone);
    const dstInside = INSIDE.has(dstZone);
    out.configured = true;
    out.source_zone = srcZone;
    out.destination_zone = dstZone;
    out.source_peer = srcPeer?.name;
    out.source_may_assert_identity = srcInside || srcPeer?.assert_identity === true;
    out.source_may_divert = srcInside || srcPeer?.diversion === true;
    out.direction = srcInside ? (dstInside ? 'internal' : 'outbound') : dstInside ? 'inbound' : 'transit';
    out.crosses_border = srcInside !== dstInside;
    out.interconnect = srcPeer?.interconnect === true || dstPeer?.interconnect === true;
    // Judged on the source address only: a Via host name is no evidence of who is sending.
    out.unexpected_peer = dst.interconnectBorder && src.zone === 'external';
    out.claimed_peer = claimed?.name;
    out.peer_mismatch = claimed === undefined ? undefined : claimed !== srcPeer;
    out.business_hours = undefined;
    const group = this.groupOf(account);
    out.account_group = group?.group.name;
    if (sip.type === 'request' && sip.method === 'INVITE') {
      const schedule = group?.schedule;
      if (schedule !== undefined) {
        const ms = eventTimeMs(event['@timestamp']);
        if (!Number.isNaN(ms)) out.business_hours = inBusinessHours(schedule, ms);
      }
    }
  }
}

/** The host of the first Record-Route entry (raw header value `<sip:host;lr>`). */
function firstRouteHost(values: readonly string[] | undefined): string | undefined {
  const first = values?.[0];
  if (first === undefined) return undefined;
  const m = /sips?:(?:[^@>;]*@)?(\[[^\]]+\]|[^:;>,\s]+)/i.exec(first);
  return m?.[1]?.replace(/^\[|\]$/g, '');
}
