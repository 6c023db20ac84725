//! The SIP ladder as SVG: one column per host (IP, in order of first appearance), one arrow per
//! message, top to bottom in time, labelled with method/status and the time since the first
//! message. Each arrow is a `<g class="msg" data-msg="N">`; the page script shows message N's text
//! on click. Pure: messages in, markup out.
import type { CallView } from './model';
import { escapeHtml } from './html';
import { timeMicros as micros, type LadderMessage } from './sip-log';

const COLUMN_GAP = 230;
const LEFT = 150;
const TOP = 52;
const ROW = 34;

function hostKey(ip: string): string {
  return ip;
}

export function ladderHosts(messages: readonly LadderMessage[]): string[] {
  const hosts: string[] = [];
  for (const m of messages) {
    for (const ip of [m.from.ip, m.to.ip]) if (!hosts.includes(hostKey(ip))) hosts.push(hostKey(ip));
  }
  return hosts;
}

/** "+1.234567 s" after the first message. */
function offset(t0: number, timestamp: string): string {
  const us = micros(timestamp) - t0;
  return Number.isFinite(us) ? `+${(us / 1e6).toFixed(us < 1e6 ? 6 : 3)} s` : '';
}

export function renderLadder(messages: readonly LadderMessage[]): string {
  if (messages.length === 0) return '<p class="muted">No messages to draw.</p>';
  const hosts = ladderHosts(messages);
  const x = (ip: string): number => LEFT + hosts.indexOf(hostKey(ip)) * COLUMN_GAP;
  const width = LEFT + (hosts.length - 1) * COLUMN_GAP + 150;
  const height = TOP + messages.length * ROW + 20;
  const t0 = micros(messages[0]?.timestamp ?? '');
  const parts: string[] = [
    `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="SIP ladder, ${messages.length} messages">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>',
  ];
  for (const host of hosts) {
    const hx = x(host);
    parts.push(
      `<text class="host" x="${hx}" y="20" text-anchor="middle">${escapeHtml(host)}</text>`,
      `<line class="lifeline" x1="${hx}" y1="30" x2="${hx}" y2="${height - 10}"/>`,
    );
  }
  messages.forEach((m, i) => {
    const y = TOP + i * ROW;
    const x1 = x(m.from.ip);
    const x2 = x(m.to.ip);
    const title = `${m.summary ?? m.label} — ${m.timestamp}`;
    const isResponse = /^\d/.test(m.label);
    parts.push(
      `<g class="msg${isResponse ? ' response' : ''}" data-msg="${i}" data-id="${escapeHtml(m.id)}" tabindex="0">`,
      `<title>${escapeHtml(title)}</title>`,
      `<text class="time" x="8" y="${y + 4}">${escapeHtml(offset(t0, m.timestamp))}</text>`,
    );
    if (x1 === x2) {
      // A message between two ports of one host: a loop back to its own line.
      parts.push(
        `<path class="arrow" d="M${x1},${y - 6} h40 v12 h-40" fill="none" marker-end="url(#arrow)"/>`,
        `<text class="label" x="${x1 + 46}" y="${y + 4}">${escapeHtml(m.label)}</text>`,
      );
    } else {
      parts.push(
        `<line class="arrow" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" marker-end="url(#arrow)"/>`,
        `<rect class="hit" x="${Math.min(x1, x2)}" y="${y - 14}" width="${Math.abs(x2 - x1)}" height="20"/>`,
        `<text class="label" x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle">${escapeHtml(m.label)}</text>`,
      );
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The text shown when an arrow is clicked: the raw message, or what is known without it. */
export function messageDetail(m: LadderMessage): string {
  if (m.raw !== undefined) return m.raw;
  return `${m.summary ?? m.label}\n${m.timestamp}\n\n(the analyzer did not record this message's text)`;
}

/**
 * A call's ladder when no transaction log is at hand: the messages its record proves — the INVITE,
 * the final response, and the BYE/CANCEL that ended it. Labelled as derived on the page.
 */
export function callRecordMessages(call: CallView): LadderMessage[] {
  const caller = { ip: call.caller.ip, port: call.caller.port };
  const callee = { ip: call.callee.host ?? call.media.callee_ip ?? 'callee' };
  const user = call.callee.request_uri_user;
  const messages: LadderMessage[] = [
    {
      id: `${call.event.id}-invite`,
      timestamp: call.start,
      from: caller,
      to: callee,
      label: `INVITE${user !== undefined ? ` ${user}` : ''}`,
    },
  ];
  if (call.final_status !== undefined) {
    messages.push({
      id: `${call.event.id}-final`,
      timestamp: call.answer ?? call.end,
      from: callee,
      to: caller,
      label: `${call.final_status} INVITE`,
    });
  }
  if (call.ended_by === 'caller' || call.ended_by === 'callee') {
    const [from, to] = call.ended_by === 'caller' ? [caller, callee] : [callee, caller];
    messages.push({ id: `${call.event.id}-bye`, timestamp: call.end, from, to, label: 'BYE' });
  } else if (call.ended_by === 'cancel') {
    messages.push({ id: `${call.event.id}-cancel`, timestamp: call.end, from: caller, to: callee, label: 'CANCEL' });
  }
  return messages;
}
