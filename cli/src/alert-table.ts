//! Human output of `sipward analyze` on a terminal: one aligned row per alert.
import type { Alert } from '../../schema/src/alert';

const SEVERITY_NAME: Record<number, string> = { 21: 'low', 47: 'medium', 73: 'high', 99: 'critical' };

export const ALERT_TABLE_HEADER =
  pad('last seen (UTC)', 23) + pad('rule', 12) + pad('severity', 9) + pad('count', 7) + pad('source', 22) + 'what';

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n - 1) + ' ' : s + ' '.repeat(n - s.length);
}

export function alertTableRow(alert: Alert): string {
  const when = alert.event.end.replace('T', ' ').slice(0, 22);
  const source = alert.source?.ip === undefined ? '-' : alert.source.ip;
  const what = alert.message.startsWith(alert.rule.id) ? alert.message.slice(alert.rule.id.length + 1) : alert.message;
  return (
    pad(when, 23) +
    pad(alert.rule.id, 12) +
    pad(SEVERITY_NAME[alert.event.severity] ?? String(alert.event.severity), 9) +
    pad(String(alert.sipward.count), 7) +
    pad(source, 22) +
    what
  );
}
