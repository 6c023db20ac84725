//! Small pieces every page uses: severity badges, times, pagers, filter inputs.
import { html, type Html } from '../html';

const SEVERITY_NAMES: Record<number, string> = { 21: 'low', 47: 'medium', 73: 'high', 99: 'critical' };

export function severityName(severity: number): string {
  return SEVERITY_NAMES[severity] ?? String(severity);
}

export function severityBadge(severity: number): Html {
  return html`<span class="sev sev-${severity}">${severityName(severity)}</span>`;
}

/** "2026-11-28 18:10:16.818" (UTC): sortable, the precision an analyst reads. */
export function shortTime(timestamp: string | undefined): string {
  if (timestamp === undefined) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d{1,3})?/.exec(timestamp);
  return m === null ? timestamp : `${m[1]} ${m[2]}${m[3] ?? ''}`;
}

export function pager(path: string, params: URLSearchParams, page: number, pageSize: number, total: number): Html {
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const link = (p: number): string => {
    const q = new URLSearchParams(params);
    if (p > 1) q.set('page', String(p));
    const s = q.toString();
    return s === '' ? path : `${path}?${s}`;
  };
  return html`<div class="pager">
    <span>Showing <b class="range">${first}–${last}</b> of <b class="total">${total}</b></span>
    ${page > 1 ? html`<a rel="prev" href="${link(page - 1)}">← previous</a>` : ''}
    ${last < total ? html`<a rel="next" href="${link(page + 1)}">next →</a>` : ''}
  </div>`;
}

export function textInput(name: string, label: string, value: string | number | undefined, placeholder = ''): Html {
  return html`<label>${label}<input name="${name}" value="${value ?? ''}" placeholder="${placeholder}" /></label>`;
}

export function select(name: string, label: string, options: Array<[string, string]>, value: string | undefined): Html {
  return html`<label
    >${label}<select name="${name}">
      <option value="">any</option>
      ${options.map(([v, text]) => html`<option value="${v}" ${v === value ? html`selected` : ''}>${text}</option>`)}
    </select></label
  >`;
}

/** A select whose options show their own values. */
export function selectValues(name: string, label: string, values: readonly string[], value: string | undefined): Html {
  const options = values.map((v): [string, string] => [v, v]);
  return select(name, label, options, value);
}

/** A datetime-local input holds "YYYY-MM-DDTHH:MM[:SS]" (read as UTC). */
export function timeInput(name: string, label: string, iso: string | undefined): Html {
  const value = iso === undefined ? '' : iso.replace(/\.\d+Z$|Z$/, '');
  return html`<label>${label} (UTC)<input type="datetime-local" step="1" name="${name}" value="${value}" /></label>`;
}

export function formButtons(path: string): Html {
  return html`<button type="submit">Filter</button> <a href="${path}">clear</a>`;
}
