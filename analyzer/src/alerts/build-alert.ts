//! Incident → ECS alert document (schema/src/alert.ts, docs/contracts.md "Alert"). Endpoints are
//! oriented as the attack flows: for a response, the requester (its destination) is `source`.
//! Context comes from the whole incident (its aggregates), not from its last event: a field names
//! one value only when the incident had one; otherwise `sipward.aggregates` and `related.*` list them.
import { SEVERITY_NUMBER, type Alert, type AlertEvidence } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { CompiledSignature } from '../engine/compile/compile-signature';
import type { Incident } from './incident';
import { ATTACK_TACTICS } from './attack-tactics';
import { partsOf, toEvidence } from './evidence';

/** Values listed in related.ip / related.user. */
const MAX_RELATED = 100;

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
    case 'baseline':
      return sig.baseline === 'rate'
        ? `${incident.count} events in ${(sig.windowMs ?? 60_000) / 1000} s, over ${sig.factor ?? 3}× the learned peak`
        : `${incident.count} value${incident.count === 1 ? '' : 's'} of ${sig.field} never seen in the learned baseline`;
  }
}

function accountOf(compiled: CompiledSignature, incident: Incident): string | undefined {
  const paths = compiled.groupPaths;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const value = incident.groupValues[i];
    if (path !== undefined && USER_FIELD.test(path.text) && value !== undefined && value !== '') return value;
  }
  return incident.tally.single('user.name');
}

/** A response's source is the responder: group fields named after it are renamed to the attack's orientation. */
function orientedPath(path: string, groupedOnResponse: boolean): string {
  if (!groupedOnResponse) return path;
  if (path.startsWith('source.')) return `destination.${path.slice('source.'.length)}`;
  if (path.startsWith('destination.')) return `source.${path.slice('destination.'.length)}`;
  return path;
}

/** First events, the crossing one, the latest (oldest first), without repeats. */
function evidenceOf(incident: Incident): AlertEvidence[] {
  const out: AlertEvidence[] = [];
  const seen = new Set<string>();
  const push = (parts: Incident['thresholdEvidence'], role: AlertEvidence['role']): void => {
    if (seen.has(parts.id)) return;
    seen.add(parts.id);
    out.push(toEvidence(parts, role));
  };
  for (const p of incident.firstEvidence) push(p, 'first');
  push(incident.thresholdEvidence, 'threshold');
  const last = incident.lastEvidence;
  for (let i = 0; i < last.length; i++) {
    push(partsOf(last[(incident.lastHead + i) % last.length] as SipEvent), 'last');
  }
  return out;
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
  // Escalated incidents carry the raised severity; its risk score is that severity's number.
  const severity = SEVERITY_NUMBER[incident.escalation?.severity ?? sig.severity];
  const riskScore = incident.escalation !== undefined ? severity : (sig.risk_score ?? severity);

  const type = ['info'];
  let outcome: 'success' | 'failure' | 'unknown' = 'unknown';
  if (isResponse && sip.status_code !== undefined && sip.status_code >= 200) {
    const ok = sip.status_code < 300;
    type.push(ok ? 'allowed' : 'denied');
    outcome = ok ? 'success' : 'failure';
  }

  const group: Record<string, string | number> = {};
  compiled.groupPaths.forEach((path, i) => {
    group[orientedPath(path.text, incident.groupedOnResponse)] = incident.groupValues[i] ?? '';
  });

  const tally = incident.tally;
  const user = accountOf(compiled, incident);
  const relatedIp: string[] = [];
  for (const ip of tally.values('source.ip', MAX_RELATED)) pushUnique(relatedIp, ip);
  for (const ip of tally.values('destination.ip', MAX_RELATED)) pushUnique(relatedIp, ip);
  pushUnique(relatedIp, txn.request_source_ip);
  const relatedUser: string[] = [];
  pushUnique(relatedUser, user);
  for (const u of tally.values('user.name', MAX_RELATED)) pushUnique(relatedUser, u);
  // A sequence is described by the message that completed it; other kinds by what they counted.
  const lastEventSpeaks = sig.kind === 'sequence' || tally.distinct('sip.call_id') <= 1;
  if (lastEventSpeaks) {
    pushUnique(relatedUser, sip.from?.user);
    pushUnique(relatedUser, sip.to?.user);
  }

  // Message-level fields describe the incident only when it is one dialog; else only what is constant.
  const sipFields: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) sipFields[key] = value;
  };
  put('call_id', lastEventSpeaks ? sip.call_id : undefined);
  put('method', sip.method ?? sip.cseq?.method);
  if (lastEventSpeaks) {
    put('status_code', sip.status_code);
    put('from_user', sip.from?.user);
    put('to_user', sip.to?.user);
  }
  put('user_agent', tally.single('user_agent.original'));
  put('request_uri_user', tally.single('sip.request_uri_user'));
  // An endpoint is named only when the incident had one (an OPTIONS sweep has many targets).
  const oneSource = lastEventSpeaks || tally.distinct('source.ip') <= 1;
  const oneTarget = lastEventSpeaks || tally.distinct('destination.ip') <= 1;

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
      risk_score: riskScore,
      id: incident.id,
      start: iso(incident.startMs),
      end: iso(incident.endMs),
      dataset: 'sipward.alert',
      module: 'sipward',
      reason:
        incident.escalation === undefined
          ? reasonOf(compiled, incident)
          : `${reasonOf(compiled, incident)}; escalated to ${incident.escalation.severity}: ${incident.escalation.reason}`,
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
    ...(oneSource ? { source: { ip: requester.ip, port: requester.port } } : {}),
    ...(oneTarget ? { destination: { ip: responder.ip, port: responder.port } } : {}),
    ...(user !== undefined ? { user: { name: user } } : {}),
    related: { ip: relatedIp, ...(relatedUser.length > 0 ? { user: relatedUser } : {}) },
    sip: sipFields,
    sipward: {
      fs38: { theme: sig.fs38_theme },
      count: incident.count,
      ...(sig.threshold !== undefined ? { threshold: sig.threshold } : {}),
      ...(sig.windowMs !== undefined ? { window_s: sig.windowMs / 1000 } : {}),
      group,
      evidence: evidenceOf(incident),
      aggregates: tally.toAggregates(),
      ...(tally.callIds.length > 0 ? { call_ids: tally.callIds.slice() } : {}),
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
