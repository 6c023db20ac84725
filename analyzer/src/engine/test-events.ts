//! Literal SIP events and signatures for the analyzer's unit tests (not used at run time).
import type { Alert } from '../../../schema/src/alert';
import type { SipEvent, SipFields } from '../../../schema/src/sip-event';
import { DetectionEngine, type EngineOptions } from './engine';
import type { AlertPhase } from './incidents/incidents';
import type { Signature } from './signature';

let counter = 0;
const BASE = Date.parse('2026-01-01T00:00:00Z');

export interface EventSpec {
  /** Seconds after 2026-01-01T00:00:00Z. */
  t: number;
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  id?: string;
  sip: Partial<SipFields> & Pick<SipFields, 'type'>;
}

export function sipEvent(spec: EventSpec): SipEvent {
  counter++;
  return {
    '@timestamp': new Date(BASE + spec.t * 1000).toISOString().replace('Z', '000Z'),
    event: { id: spec.id ?? `ev${counter.toString(16).padStart(8, '0')}`, kind: 'event', dataset: 'sipward.sip' },
    source: { ip: spec.src ?? '203.0.113.7', port: spec.sport ?? 5060 },
    destination: { ip: spec.dst ?? '198.51.100.10', port: spec.dport ?? 5060 },
    network: { transport: 'udp', protocol: 'sip' },
    sip: { size: 400, ...spec.sip },
  };
}

/** A REGISTER from `src` for `user`, with or without credentials; its 401/200 answer via `response`. */
export function register(
  t: number,
  opts: { src?: string; user?: string; callId: string; seq: number; auth?: boolean; branch?: string },
): SipEvent {
  const user = opts.user ?? '1001';
  return sipEvent({
    t,
    ...(opts.src !== undefined ? { src: opts.src } : {}),
    sip: {
      type: 'request',
      method: 'REGISTER',
      call_id: opts.callId,
      cseq: { seq: opts.seq, method: 'REGISTER' },
      from: { user },
      to: { user },
      via: [{ host: opts.src ?? '203.0.113.7', branch: opts.branch ?? `z9hG4bK-${opts.callId}-${opts.seq}` }],
      user_agent: 'friendly-scanner',
      ...(opts.auth === true ? { auth: { scheme: 'Digest', username: user } } : {}),
    },
  });
}

export function responseTo(request: SipEvent, t: number, status: number): SipEvent {
  return sipEvent({
    t,
    src: request.destination.ip,
    dst: request.source.ip,
    sip: {
      type: 'response',
      status_code: status,
      ...(request.sip.call_id !== undefined ? { call_id: request.sip.call_id } : {}),
      cseq: { seq: request.sip.cseq?.seq ?? 1, method: request.sip.method ?? '' },
      ...(request.sip.from !== undefined ? { from: request.sip.from } : {}),
      ...(request.sip.to !== undefined ? { to: request.sip.to } : {}),
      ...(request.sip.via !== undefined ? { via: request.sip.via } : {}),
    },
  });
}

export function signature(partial: Partial<Signature> & Pick<Signature, 'kind'>): Signature {
  return {
    id: 'SIP-TEST-01',
    name: 'test signature',
    version: 1,
    status: 'stable',
    fs38_theme: ['FS38:ACCESS'],
    category: 'Credential Access',
    event_category: ['intrusion_detection', 'network', 'authentication'],
    severity: 'medium',
    attack: { tactics: ['TA0006'], techniques: ['T1110.001'] },
    group_by: ['source.ip'],
    suppressMs: 300_000,
    message: '{rule.id} test from {source.ip} ({count})',
    ...partial,
  };
}

export interface Recorded {
  alert: Alert;
  phase: AlertPhase;
}

/** Runs events through an engine over `signatures`; returns every emission and the engine. */
export function run(
  signatures: Signature[],
  events: Iterable<SipEvent>,
  options: Partial<EngineOptions> = {},
): { emitted: Recorded[]; finals: Alert[]; engine: DetectionEngine } {
  const emitted: Recorded[] = [];
  const engine = new DetectionEngine(signatures, {
    ...options,
    onAlert: (alert, phase) => emitted.push({ alert, phase }),
  });
  for (const event of events) engine.process(event);
  engine.flush();
  return { emitted, finals: emitted.filter((e) => e.phase === 'final').map((e) => e.alert), engine };
}
