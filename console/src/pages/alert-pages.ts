//! `/` (the alert list) and `/alerts/<id>` (one alert: facts, reason, references, aggregates,
//! linked calls, campaign, the SIP ladder of its evidence).
import { alertQueryParams } from '../filters';
import { html, raw, type Html } from '../html';
import { messageDetail, renderLadder } from '../ladder';
import type { AlertPage, AlertQuery, AlertView, CallView, Count } from '../model';
import { evidenceMessage, type LadderMessage } from '../sip-log';
import { callTable } from './call-pages';
import { formButtons, pager, select, selectValues, severityBadge, shortTime, textInput, timeInput } from './common';

function alertFilters(q: AlertQuery, signatures: Count[], themes: string[]): Html {
  const severities: Array<[string, string]> = [
    ['99', 'critical'],
    ['73', 'high'],
    ['47', 'medium'],
    ['21', 'low'],
  ];
  const signatureKeys = signatures.map((s) => s.key);
  return html`<form class="filters" id="alert-filters" method="get" action="/">
    ${select('severity', 'Severity', severities, q.severity?.toString())}
    ${selectValues('signature', 'Signature', signatureKeys, q.signature)}
    ${selectValues('theme', 'FS.38 theme', themes, q.theme)} ${textInput('source', 'Source IP', q.source)}
    ${textInput('account', 'Account', q.account)} ${textInput('campaign', 'Campaign', q.campaign)}
    ${timeInput('from', 'From', q.from)} ${timeInput('to', 'To', q.to)} ${formButtons('/')}
  </form>`;
}

export function alertListPage(page: AlertPage, q: AlertQuery, allSignatures: Count[], themes: string[]): Html {
  const params = alertQueryParams(q);
  const chipLink = (id: string): string => {
    const p = new URLSearchParams(params);
    p.set('signature', id);
    return `/?${p.toString()}`;
  };
  return html`<h1>Alerts</h1>
    ${alertFilters(q, allSignatures, themes)}
    <div class="counts" id="signature-counts">
      ${page.bySignature.map(
        (c) =>
          html`<a href="${chipLink(c.key)}" data-signature="${c.key}" data-count="${c.count}"
            >${c.key} <b>${c.count}</b></a
          >`,
      )}
    </div>
    ${pager('/', params, q.page, q.pageSize, page.total)}
    <table id="alerts" data-total="${page.total}">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Severity</th>
          <th>Signature</th>
          <th>Alert</th>
          <th>Source</th>
          <th>Account</th>
          <th class="num">Events</th>
        </tr>
      </thead>
      <tbody>
        ${page.items.map(
          (a) =>
            html`<tr
              class="alert-row"
              data-id="${a.event.id}"
              data-signature="${a.rule.id}"
              data-severity="${a.event.severity}"
            >
              <td>${shortTime(a['@timestamp'])}</td>
              <td>${severityBadge(a.event.severity)}</td>
              <td>${a.rule.id}</td>
              <td><a href="/alerts/${encodeURIComponent(a.event.id)}">${a.message}</a></td>
              <td>${a.source?.ip ?? ''}</td>
              <td>${a.user?.name ?? ''}</td>
              <td class="num">${a.sipward.count}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${page.items.length === 0 ? html`<p class="muted">No alert matches these filters.</p>` : ''}
    ${pager('/', params, q.page, q.pageSize, page.total)}`;
}

function references(reference: string | undefined): Html {
  if (reference === undefined) return html`<span class="muted">none</span>`;
  const items = reference
    .split(/;\s+/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
  return html`<ul class="references">
    ${items.map((r) =>
      /^https?:\/\//.test(r) ? html`<li><a href="${r}" rel="noreferrer">${r}</a></li>` : html`<li>${r}</li>`,
    )}
  </ul>`;
}

function aggregates(alert: AlertView): Html {
  const entries = Object.entries(alert.sipward.aggregates ?? {});
  if (entries.length === 0) {
    return html`<p class="muted">
      This alert carries no incident aggregates (the analyzer that wrote it did not record them).
    </p>`;
  }
  return html`<table id="aggregates">
    <thead>
      <tr>
        <th>Field</th>
        <th class="num">Distinct</th>
        <th>Most frequent</th>
        <th>First seen</th>
        <th>Last seen</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map(
        ([field, agg]) =>
          html`<tr>
            <td>${field}</td>
            <td class="num">${agg.distinct}${agg.capped === true ? '+' : ''}</td>
            <td>${agg.top.map((t, i) => html`${i > 0 ? ', ' : ''}${t.value} (${t.count})`)}</td>
            <td>${shortTime(agg.first_seen)}</td>
            <td>${shortTime(agg.last_seen)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The ladder with its click-to-read panel; message texts travel as JSON in a script tag. */
export function ladderSection(messages: LadderMessage[], note?: string): Html {
  const texts = JSON.stringify(messages.map(messageDetail)).replace(/</g, '\\u003c');
  return html`${note !== undefined ? html`<p class="muted">${note}</p>` : ''}
    <div class="ladder-wrap">
      <div class="ladder-box">${raw(renderLadder(messages))}</div>
      <pre class="raw" id="raw-message">Click an arrow to read the message.</pre>
    </div>
    <script type="application/json" id="ladder-messages">
      ${raw(texts)}
    </script>`;
}

function endpointText(e: { ip?: string; port?: number } | undefined): string {
  if (e?.ip === undefined) return '';
  return e.port === undefined ? e.ip : `${e.ip}:${e.port}`;
}

function countText(s: AlertView['sipward']): string {
  const limit = s.threshold === undefined ? '' : `threshold ${s.threshold}`;
  const window = s.window_s === undefined ? '' : `in ${s.window_s} s`;
  const detail = [limit, window].filter((t) => t !== '').join(' ');
  return detail === '' ? String(s.count) : `${s.count} (${detail})`;
}

export function alertPage(alert: AlertView, calls: CallView[]): Html {
  const s = alert.sipward;
  const messages = s.evidence.map(evidenceMessage).filter((m): m is LadderMessage => m !== undefined);
  const unplaced = s.evidence.length - messages.length;
  const campaign = s.campaign?.id;
  const threat = alert.threat;
  const attack = threat === undefined ? [] : [...(threat.tactic?.name ?? []), ...(threat.technique?.id ?? [])];
  return html`<h1>${severityBadge(alert.event.severity)} ${alert.message}</h1>
    <dl class="facts" id="alert-facts">
      <dt>Signature</dt>
      <dd><a href="/signatures#${alert.rule.id}">${alert.rule.id}</a> — ${alert.rule.name} (v${alert.rule.version})</dd>
      <dt>FS.38 theme</dt>
      <dd>${s.fs38.theme.join(', ')}</dd>
      <dt>Reason</dt>
      <dd id="reason">${alert.event.reason ?? 'not recorded'}</dd>
      <dt>Time</dt>
      <dd>${shortTime(alert.event.start)} → ${shortTime(alert.event.end)} (UTC)</dd>
      <dt>Events</dt>
      <dd>${countText(s)}</dd>
      <dt>Source</dt>
      <dd>${endpointText(alert.source)}</dd>
      <dt>Destination</dt>
      <dd>${endpointText(alert.destination)}</dd>
      <dt>Account</dt>
      <dd>${alert.user?.name ?? ''}</dd>
      <dt>Campaign</dt>
      <dd id="campaign">
        ${campaign !== undefined ? html`<a href="/?campaign=${encodeURIComponent(campaign)}">${campaign}</a>` : html`<span class="muted">none</span>`}
      </dd>
      ${
        attack.length > 0
          ? html`<dt>ATT&amp;CK</dt>
              <dd>${attack.join(', ')}</dd>`
          : ''
      }
      <dt>Alert id</dt>
      <dd><code>${alert.event.id}</code></dd>
    </dl>
    <h2>Description</h2>
    <p>${alert.rule.description ?? ''}</p>
    <h2>References</h2>
    ${references(alert.rule.reference)}
    <h2>Incident aggregates</h2>
    ${aggregates(alert)}
    <h2>Linked calls (${calls.length})</h2>
    ${calls.length === 0 ? html`<p class="muted">No call record is linked to this alert.</p>` : callTable(calls, 'linked-calls')}
    <h2>SIP ladder — ${messages.length} evidence message(s)</h2>
    ${ladderSection(messages, unplaced > 0 ? `${unplaced} evidence item(s) name no endpoints and are not drawn.` : undefined)}
    <h2>Evidence</h2>
    <table id="evidence">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Role</th>
          <th>Message</th>
          <th>Event id</th>
        </tr>
      </thead>
      <tbody>
        ${s.evidence.map(
          (e) =>
            html`<tr>
              <td>${shortTime(e['@timestamp'])}</td>
              <td>${e.role ?? ''}</td>
              <td>${e.summary}</td>
              <td><code>${e.id}</code></td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function notFoundPage(what: string): Html {
  return html`<h1>Not found</h1>
    <p id="not-found">${what}</p>
    <p><a href="/">Back to the alerts</a></p>`;
}
