//! `/calls` (call records with fraud filters) and `/calls/<id>` (one call, its alerts and ladder).
import { callQueryParams } from '../filters';
import { html, type Html } from '../html';
import { callRecordMessages } from '../ladder';
import type { AlertView, CallQuery, CallView, Page, SipLogEntry } from '../model';
import { callAccount } from '../model';
import { logMessage, type LadderMessage } from '../sip-log';
import { ladderSection } from './alert-pages';
import { formButtons, pager, select, selectValues, severityBadge, shortTime, textInput, timeInput } from './common';

const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

function callee(call: CallView): string {
  const c = call.callee;
  const number = c.e164 !== undefined ? `+${c.e164}` : (c.request_uri_user ?? c.to_user ?? '');
  return c.host !== undefined && c.e164 === undefined ? `${number}@${c.host}` : number;
}

export function callTable(calls: readonly CallView[], id: string): Html {
  return html`<table id="${id}">
    <thead>
      <tr>
        <th>Start (UTC)</th>
        <th>Account</th>
        <th>From IP</th>
        <th>Callee</th>
        <th>Country</th>
        <th>Type</th>
        <th>Outcome</th>
        <th class="num">Duration s</th>
        <th class="num">Alerts</th>
      </tr>
    </thead>
    <tbody>
      ${calls.map(
        (c) =>
          html`<tr class="call-row" data-id="${c.event.id}" data-outcome="${c.outcome}">
            <td><a href="/calls/${encodeURIComponent(c.event.id)}">${shortTime(c.start)}</a></td>
            <td>${callAccount(c)}</td>
            <td>${c.caller.ip}</td>
            <td>${callee(c)}</td>
            <td>${c.callee.country ?? ''}</td>
            <td>${c.callee.number_type ?? ''}</td>
            <td>
              ${c.outcome}${c.final_status !== undefined ? ` (${c.final_status})` : ''}${c.expired === true ? ' · expired' : ''}
            </td>
            <td class="num">${c.duration_s.toFixed(1)}</td>
            <td class="num">${c.alert_ids.length}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function callFilters(q: CallQuery): Html {
  return html`<form class="filters" id="call-filters" method="get" action="/calls">
    ${textInput('country', 'Destination country', q.country, 'e.g. GB')}
    ${selectValues('number_type', 'Number type', NUMBER_TYPES, q.numberType)}
    ${textInput('account', 'Account', q.account)} ${textInput('min_duration', 'Min duration s', q.minDurationS)}
    ${textInput('max_duration', 'Max duration s', q.maxDurationS)}
    ${select(
      'answered',
      'Answered',
      [
        ['yes', 'answered'],
        ['no', 'not answered'],
      ],
      q.answered === undefined ? undefined : q.answered ? 'yes' : 'no',
    )}
    ${timeInput('from', 'From', q.from)} ${timeInput('to', 'To', q.to)} ${formButtons('/calls')}
  </form>`;
}

export function callListPage(page: Page<CallView>, q: CallQuery): Html {
  const params = callQueryParams(q);
  return html`<h1>Calls</h1>
    ${callFilters(q)} ${pager('/calls', params, q.page, q.pageSize, page.total)} ${callTable(page.items, 'calls')}
    ${page.items.length === 0 ? html`<p class="muted">No call matches these filters.</p>` : ''}
    ${pager('/calls', params, q.page, q.pageSize, page.total)}`;
}

export function callPage(call: CallView, alerts: AlertView[], log: SipLogEntry[]): Html {
  const fromLog = log.map(logMessage).filter((m): m is LadderMessage => m !== undefined);
  const messages = fromLog.length > 0 ? fromLog : callRecordMessages(call);
  const note =
    fromLog.length > 0
      ? undefined
      : 'No SIP transaction log for this call in the data source: the ladder shows only what the call record proves (INVITE, final response, BYE or CANCEL).';
  const c = call.caller;
  return html`<h1>Call ${call.call_id}</h1>
    <dl class="facts" id="call-facts">
      <dt>Outcome</dt>
      <dd>
        ${call.outcome}${call.final_status !== undefined ? ` (${call.final_status})` : ''}${call.ended_by !== undefined ? `, ended by ${call.ended_by}` : ''}${call.expired === true ? ', expired' : ''}
      </dd>
      <dt>Start</dt>
      <dd>${shortTime(call.start)}</dd>
      <dt>Answer</dt>
      <dd>${shortTime(call.answer)}</dd>
      <dt>End</dt>
      <dd>${shortTime(call.end)}</dd>
      <dt>Duration</dt>
      <dd>${call.duration_s} s${call.setup_ms !== undefined ? `, setup ${call.setup_ms} ms` : ''}</dd>
      <dt>Caller</dt>
      <dd>
        ${c.display_name !== undefined ? `"${c.display_name}" ` : ''}${c.user ?? ''}@${c.host ?? ''} from
        ${c.ip}:${c.port}${c.auth_user !== undefined ? `, authenticated as ${c.auth_user}` : ''}${c.user_agent !== undefined ? ` (${c.user_agent})` : ''}
      </dd>
      <dt>Callee</dt>
      <dd>
        ${callee(call)}${call.callee.country !== undefined ? ` · ${call.callee.country}` : ''}${call.callee.number_type !== undefined ? ` · ${call.callee.number_type}` : ''}
      </dd>
      <dt>Path</dt>
      <dd>${call.path.join(' ← ')}</dd>
      <dt>Media</dt>
      <dd>
        ${call.media.caller_ip ?? '?'}:${call.media.caller_port ?? '?'} ⇄
        ${call.media.callee_ip ?? '?'}:${call.media.callee_port ?? '?'}
      </dd>
      <dt>Call record id</dt>
      <dd><code>${call.event.id}</code></dd>
    </dl>
    <h2>Alerts on this call (${alerts.length})</h2>
    ${
      alerts.length === 0
        ? html`<p class="muted">No alert touched this call.</p>`
        : html`<ul id="call-alerts">
            ${alerts.map(
              (a) =>
                html`<li>
                  ${severityBadge(a.event.severity)}
                  <a href="/alerts/${encodeURIComponent(a.event.id)}">${a.message}</a>
                </li>`,
            )}
          </ul>`
    }
    <h2>SIP ladder — ${messages.length} message(s)</h2>
    ${ladderSection(messages, note)}`;
}
