//! `/fraud` (per account and per destination, CSV download) and `/signatures` (the catalog with
//! FS.38 themes, thresholds and windows as loaded, and alert counts).
import { html, type Html } from '../html';
import type { Count, FraudReport, FraudRow, TimeRange } from '../model';
import { formButtons, severityBadge, timeInput } from './common';

function fraudTable(rows: FraudRow[], id: string, key: string, other: string): Html {
  return html`<table id="${id}">
    <thead>
      <tr>
        <th>${key}</th>
        <th class="num">Calls</th>
        <th class="num">Answered</th>
        <th class="num">Minutes</th>
        <th class="num">${other}</th>
        <th class="num">Alerts</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr data-key="${r.key}">
            <td>${r.key}</td>
            <td class="num">${r.calls}</td>
            <td class="num">${r.answered}</td>
            <td class="num">${r.minutes}</td>
            <td class="num">${r.distinct}</td>
            <td class="num">${r.alerts}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function fraudPage(report: FraudReport, range: TimeRange): Html {
  const q = new URLSearchParams();
  if (range.from !== undefined) q.set('from', range.from);
  if (range.to !== undefined) q.set('to', range.to);
  const csv = (by: string): string => {
    const p = new URLSearchParams(q);
    p.set('by', by);
    return `/fraud.csv?${p.toString()}`;
  };
  const t = report.totals;
  return html`<h1>Fraud report</h1>
    <form class="filters" method="get" action="/fraud">
      ${timeInput('from', 'From', range.from)}${timeInput('to', 'To', range.to)}${formButtons('/fraud')}
    </form>
    ${report.limit !== undefined ? html`<p class="notice">${report.limit}</p>` : ''}
    <p id="fraud-totals">
      Calls <b data-total="calls">${t.calls}</b> · answered <b data-total="answered">${t.answered}</b> · minutes
      <b data-total="minutes">${t.minutes}</b>
    </p>
    <h2>Per account <a href="${csv('account')}" id="csv-account">CSV</a></h2>
    ${fraudTable(report.byAccount, 'fraud-accounts', 'Account', 'Destinations')}
    <h2>Per destination country <a href="${csv('destination')}" id="csv-destination">CSV</a></h2>
    ${fraudTable(report.byDestination, 'fraud-destinations', 'Destination', 'Accounts')}`;
}

/** What the catalog page shows of a signature (from the loaded signature files). */
export interface CatalogEntry {
  id: string;
  name: string;
  severity: number;
  themes: string[];
  kind: string;
  threshold?: number;
  windowMs?: number;
  status: string;
  requiresSite: boolean;
}

function windowText(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

export function signaturesPage(catalog: CatalogEntry[], counts: Count[]): Html {
  const byId = new Map(counts.map((c) => [c.key, c.count]));
  const known = new Set(catalog.map((c) => c.id));
  const unknown = counts.filter((c) => !known.has(c.key));
  return html`<h1>Signatures (${catalog.length})</h1>
    <p class="muted">
      Threshold and window as loaded by this console (built-in signatures and any <code>--rules</code> folders); the
      analyzer's own <code>--rules</code> or site tuning may differ.
    </p>
    <table id="signatures">
      <thead>
        <tr>
          <th>ID</th>
          <th>Name</th>
          <th>Severity</th>
          <th>FS.38 theme</th>
          <th>Kind</th>
          <th class="num">Threshold</th>
          <th>Window</th>
          <th>Status</th>
          <th class="num">Alerts</th>
        </tr>
      </thead>
      <tbody>
        ${catalog.map(
          (s) =>
            html`<tr id="${s.id}" data-id="${s.id}">
              <td>${s.id}</td>
              <td>${s.name}${s.requiresSite ? html` <span class="muted">(needs site config)</span>` : ''}</td>
              <td>${severityBadge(s.severity)}</td>
              <td>${s.themes.join(', ')}</td>
              <td>${s.kind}</td>
              <td class="num">${s.threshold ?? ''}</td>
              <td>${windowText(s.windowMs)}</td>
              <td>${s.status}</td>
              <td class="num">
                ${(byId.get(s.id) ?? 0) > 0 ? html`<a href="/?signature=${encodeURIComponent(s.id)}">${byId.get(s.id)}</a>` : '0'}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${unknown.length > 0 ? html`<p>Alerts of signatures this console does not know: ${unknown.map((c) => html`<a href="/?signature=${encodeURIComponent(c.key)}">${c.key}</a> (${c.count}) `)}</p>` : ''}`;
}
