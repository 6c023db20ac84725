//! Deterministic synthetic alerts and calls in the shape `analyze --out-dir` writes, for the
//! console's 100k-alert test and bench (the demo capture has only 8 alerts).
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AlertView, CallView } from '../model';

const RULES = [
  ['SIP-REC-01', 21, 'FS38:RECON'],
  ['SIP-REC-02', 21, 'FS38:RECON'],
  ['SIP-AUTH-01', 47, 'FS38:ACCESS'],
  ['SIP-AUTH-03', 73, 'FS38:ACCESS'],
  ['SIP-DOS-01', 47, 'FS38:TDOS'],
  ['SIP-FRD-01', 99, 'FS38:FRAUD'],
] as const;

const START = Date.parse('2026-11-01T00:00:00Z');

/** Alert i: rule i % 6, source one of 500, account one of 200, one every 7 s. */
export function syntheticAlert(i: number): AlertView {
  const [ruleId, severity, theme] = RULES[i % RULES.length] ?? RULES[0];
  const t = new Date(START + i * 7_000).toISOString();
  const source = `198.51.${Math.floor((i % 500) / 250)}.${i % 250}`;
  const account = `user${i % 200}`;
  const evidence = [0, 1, 2].map((k) => ({
    id: `${i.toString(16)}e${k}`,
    '@timestamp': new Date(START + i * 7_000 - (2 - k) * 300).toISOString(),
    summary: `REGISTER ${source}:5060 → 203.0.113.10:5060 401`,
  }));
  return {
    '@timestamp': t,
    message: `${ruleId} synthetic incident ${i} from ${source}`,
    event: {
      kind: 'alert',
      category: ['intrusion_detection', 'network'],
      type: ['info'],
      code: ruleId,
      severity,
      risk_score: severity,
      id: `syn${i.toString(16).padStart(8, '0')}`,
      start: evidence[0]?.['@timestamp'] ?? t,
      end: t,
      dataset: 'sipward.alert',
      module: 'sipward',
      reason: `${10 + (i % 50)} events ≥ threshold 10 in 300 s`,
    },
    rule: { id: ruleId, name: `${ruleId} synthetic`, version: 1, category: 'Synthetic', ruleset: 'sipward-fs38' },
    source: { ip: source, port: 5060 },
    destination: { ip: '203.0.113.10', port: 5060 },
    user: { name: account },
    sip: { call_id: `call-${i}` },
    sipward: { fs38: { theme: [theme] }, count: 10 + (i % 50), threshold: 10, window_s: 300, evidence },
  };
}

export function syntheticCall(i: number): CallView {
  const start = new Date(START + i * 5_000).toISOString();
  const answered = i % 3 === 0;
  return {
    '@timestamp': start,
    event: { kind: 'event', dataset: 'sipward.call', id: `call${i.toString(16).padStart(8, '0')}` },
    call_id: `call-${i}`,
    start,
    ...(answered ? { answer: start } : {}),
    end: new Date(START + i * 5_000 + (answered ? 60_000 : 0)).toISOString(),
    duration_s: answered ? 60 : 0,
    final_status: answered ? 200 : 486,
    outcome: answered ? 'answered' : 'busy',
    caller: { user: `user${i % 200}`, ip: `198.51.0.${i % 250}`, port: 5060 },
    callee: {
      request_uri_user: `4420${i}`,
      e164: `4420${i}`,
      country: i % 2 === 0 ? 'GB' : 'CU',
      number_type: 'FIXED_LINE',
    },
    path: [],
    media: {},
    alert_ids: [],
  };
}

/** Writes alerts.jsonl (and calls.jsonl) into dir, in file order oldest first, as analyze does. */
export async function writeSyntheticDir(dir: string, alerts: number, calls = 0): Promise<void> {
  for (const [file, n, make] of [
    ['alerts.jsonl', alerts, syntheticAlert],
    ['calls.jsonl', calls, syntheticCall],
  ] as const) {
    if (n === 0 && file === 'calls.jsonl') continue;
    const out = createWriteStream(join(dir, file));
    for (let i = 0; i < n; i++) {
      if (!out.write(JSON.stringify(make(i)) + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
}
