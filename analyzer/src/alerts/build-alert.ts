//! Incident → ECS alert document (schema/src/alert.ts, ../shared/alert-format.md §3). Endpoints are
//! oriented as the attack flows: for a response, the requester (its destination) is `source`.
import { SEVERITY_NUMBER, type Alert } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { CompiledSignature } from '../engine/compile-signature';
import type { Incident } from '../engine/incidents';
import { ATTACK_TACTICS } from './attack-tactics';

const USER_FIELD =
  /(^|\.)(user|username|account|caller_user|request_auth_username|request_uri_user|from_user|to_user)$/;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pushUnique(list: string[], value: string | undefined): void {
  if (value !== undefined && value !== '' && !list.includes(value)) list.push(value);
}

function reasonOf(compiled: CompiledSignature, incident: Incident): string {
  const sig = compiled.signature;
  const w = sig.windowMs === undefined ? '' : ` in ${sig.windowMs / 1000} s`;
  const t = sig.threshold;
  switch (sig.kind) {
    case 'stateless':
      return `${incident.count} matching event${incident.count === 1 ? '' : 's'}`;
    case 'event_count':
      return `${incident.count} events ≥ threshold ${t}${w}`;
    case 'value_count':
      return `${incident.count} distinct ${sig.field} ≥ threshold ${t}${w}`;
    case 'ratio':
      return `numerator/denominator ratio ≥ ${t}${w} with ≥ ${sig.min_events} events (${incident.count} matching events)`;
    case 'sequence':
      return `${sig.steps?.length ?? 0}-step sequence completed${w} (${incident.count} events)`;
    case 'half_open':
      return `${incident.count} requests without a final response within ${(sig.timeoutMs ?? 0) / 1000} s ≥ threshold ${t}${w}`;
    case 'concurrent':
      return `${incident.count} open at once ≥ threshold ${t}`;
  }
}

function accountOf(compiled: CompiledSignature, incident: Incident): string | undefined {
  const paths = compiled.groupPaths;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const value = incident.groupValues[i];
    if (path !== undefined && USER_FIELD.test(path.text) && value !== undefined && value !== '') return value;
  }
  const e = incident.lastEvent;
  return incident.lastTxn.txn.request_auth_username ?? e.sip.auth?.username ?? e.sip.from?.user;
}

export function buildAlert(compiled: CompiledSignature, incident: Incident): Alert {
  const sig = compiled.signature;
  const event: SipEvent = incident.lastEvent;
  const ctx = incident.lastTxn;
  const txn = ctx.txn;
  const sip = event.sip;
  const isResponse = sip.type === 'response';
  const requester = isResponse ? event.destination : event.source;
  const responder = isResponse ? event.source : event.destination;
  const severity = SEVERITY_NUMBER[sig.severity];

  const type = ['info'];
  let outcome: 'success' | 'failure' | 'unknown' = 'unknown';
  if (isResponse && sip.status_code !== undefined && sip.status_code >= 200) {
    const ok = sip.status_code < 300;
    type.push(ok ? 'allowed' : 'denied');
    outcome = ok ? 'success' : 'failure';
  }

  const group: Record<string, string | number> = {};
  compiled.groupPaths.forEach((path, i) => {
    group[path.text] = incident.groupValues[i] ?? '';
  });

  const user = accountOf(compiled, incident);
  const relatedIp: string[] = [];
  pushUnique(relatedIp, requester.ip);
  pushUnique(relatedIp, responder.ip);
  pushUnique(relatedIp, txn.request_source_ip);
  const relatedUser: string[] = [];
  pushUnique(relatedUser, user);
  pushUnique(relatedUser, sip.from?.user);
  pushUnique(relatedUser, sip.to?.user);
  pushUnique(relatedUser, sip.auth?.username ?? txn.request_auth_username);

  const sipFields: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) sipFields[key] = value;
  };
  put('call_id', sip.call_id);
  put('method', sip.method ?? sip.cseq?.method);
  put('status_code', sip.status_code);
  put('from_user', sip.from?.user);
  put('to_user', sip.to?.user);
  put('user_agent', sip.user_agent ?? txn.request_user_agent);
  put('request_uri_user', sip.request_uri_user);

  const tactics = sig.attack?.tactics ?? [];
  const techniques = sig.attack?.techniques ?? [];
  const alert: Alert = {
    '@timestamp': iso(incident.openMs),
    message: compiled.message(event, ctx, {
      'rule.id': sig.id,
      'rule.name': sig.name,
      count: incident.count,
      threshold: sig.threshold,
      window_s: sig.windowMs === undefined ? undefined : sig.windowMs / 1000,
    }),
    event: {
      kind: 'alert',
      category: [...new Set(['intrusion_detection', 'network', ...sig.event_category])],
      type,
      outcome,
      ...(sig.action !== undefined ? { action: sig.action } : {}),
      code: sig.id,
      severity,
      risk_score: sig.risk_score ?? severity,
      id: incident.id,
      start: iso(incident.startMs),
      end: iso(incident.endMs),
      dataset: 'sipward.alert',
      module: 'sipward',
      reason: reasonOf(compiled, incident),
    },
    rule: {
      id: sig.id,
      name: sig.name,
      version: sig.version,
      category: sig.category,
      ruleset: 'sipward-fs38',
      ...(sig.description !== undefined ? { description: sig.description.trim() } : {}),
      ...(sig.references !== undefined && sig.references.length > 0 ? { reference: sig.references.join('; ') } : {}),
    },
    source: { ip: requester.ip, port: requester.port },
    destination: { ip: responder.ip, port: responder.port },
    ...(user !== undefined ? { user: { name: user } } : {}),
    related: { ip: relatedIp, ...(relatedUser.length > 0 ? { user: relatedUser } : {}) },
    sip: sipFields,
    sipward: {
      fs38: { theme: sig.fs38_theme },
      count: incident.count,
      ...(sig.threshold !== undefined ? { threshold: sig.threshold } : {}),
      ...(sig.windowMs !== undefined ? { window_s: sig.windowMs / 1000 } : {}),
      group,
      evidence: incident.evidence.slice(),
    },
  };
  if (tactics.length > 0 || techniques.length > 0) {
    alert.threat = {
      framework: 'MITRE ATT&CK',
      ...(tactics.length > 0 ? { tactic: { id: tactics, name: tactics.map((id) => ATTACK_TACTICS[id] ?? id) } } : {}),
      ...(techniques.length > 0 ? { technique: { id: techniques } } : {}),
    };
  }
  return alert;
}
