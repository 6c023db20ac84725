//! The event side of signature fixtures: SIP wire text (built with lib/src/test-support/capture)
//! → the collector's own parser → SIP events, written as JSONL under signatures/.
//! Used by make-fixtures*.ts (one generator per signature family group).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SipEvent, Transport } from '../../schema/src/sip-event';
import { parseSipMessage } from '../../collectors/src/sip/parser';
import { toSipEvent } from '../../collectors/src/event/to-sip-event';
import { toJsonLine } from '../../collectors/src/event/jsonl';
import { decodedEvents } from '../../collectors/src/test-support/decoded-events';
import { Clock, Rand, type SipSink } from '../../lib/src/test-support/capture/dialogs';
import {
  type Endpoint,
  type RequestSpec,
  type ResponseOptions,
  renderRequest,
  renderResponse,
} from '../../lib/src/test-support/capture/sip';
import { repoRoot } from '../../lib/src/repo-root';

export const ROOT = repoRoot();
export const SIGS = join(ROOT, 'signatures');

// ---------------------------------------------------------------------------------------------
// Events

/** A fixture under construction: wire messages in, collector events out, kept in time order. */
export class Fixture implements SipSink {
  readonly events: SipEvent[] = [];
  constructor(readonly r: Rand) {}

  /** Parse `text` as one UDP datagram from `src` to `dst` at `us`, exactly as SipDecoder does. */
  wire(text: string, src: Endpoint, dst: Endpoint, us: number, transport: Transport = 'udp'): SipEvent {
    const buf = Buffer.from(text, 'utf8');
    const msg = parseSipMessage(buf, 0, buf.length, { stream: transport !== 'udp' });
    const tsSec = Math.floor(us / 1e6);
    const tsNsec = (us - tsSec * 1e6) * 1000;
    const event = toSipEvent(
      msg,
      {
        tsSec,
        tsNsec,
        srcIp: src.ip,
        dstIp: dst.ip,
        srcPort: src.port,
        dstPort: dst.port,
        protocol: 'udp',
        vlan: [],
        tunnel: [],
      },
      { transport },
    );
    this.events.push(event);
    return event;
  }

  request(q: RequestSpec, dst: Endpoint, us: number): void {
    this.wire(renderRequest(this.r, q), q.via, dst, us);
  }

  response(q: RequestSpec, status: number, from: Endpoint, us: number, o: ResponseOptions = {}): void {
    this.wire(renderResponse(this.r, q, status, o), from, q.via, us);
  }

  /** Appends events decoded elsewhere (real captures). */
  append(events: readonly SipEvent[]): void {
    this.events.push(...events);
  }

  write(path: string): void {
    const sorted = [...this.events].sort((a, b) =>
      a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0,
    );
    const file = join(SIGS, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, sorted.map(toJsonLine).join(''));
    written.push(`${path} (${sorted.length} events)`);
  }
}

export const written: string[] = [];

/** Events of a testbed capture, as `sipward decode <capture>` prints them. */
export async function decodeCapture(name: string): Promise<SipEvent[]> {
  return decodedEvents([join(ROOT, 'test', 'fixtures', 'captures', name)]);
}

export function writeEvents(path: string, events: readonly SipEvent[]): void {
  const file = join(SIGS, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, events.map(toJsonLine).join(''));
  written.push(`${path} (${events.length} events, real capture)`);
}

// Addresses: attackers in 203.0.113.0/24 (TEST-NET-3), the victim SIP core in 198.51.100.0/24
// (TEST-NET-2), the testbed / enterprise LAN in 10.77.0.0/16.
export const REGISTRAR: Endpoint = { ip: '198.51.100.10', port: 5060 };
export const PROXY: Endpoint = { ip: '198.51.100.20', port: 5060 };
export const DOMAIN = 'voip.example.net';

/**
 * One fixture file: a Fixture seeded with `seed` and a Clock at `startIso`, filled by `build`, then
 * written (time-sorted) to `path` under signatures/.
 */
export function scenario(path: string, seed: number, startIso: string, build: (f: Fixture, c: Clock) => void): void {
  fixtureFile(path, seed, (f) => build(f, Clock.at(startIso)));
}

/** One fixture file whose scenario keeps its own time: a Fixture seeded with `seed`, written to `path`. */
export function fixtureFile(path: string, seed: number, build: (f: Fixture) => void): void {
  const f = new Fixture(new Rand(seed));
  build(f);
  f.write(path);
}
