//! The page frame shared by every console page: escaping, layout, navigation, the stylesheet and
//! the one small script (arrow clicks, the "data source went away" banner). No framework, no CDN.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Tagged template: interpolations are escaped unless they are `Html` (already safe markup). */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

export function raw(markup: string): Html {
  return new Html(markup);
}

export const STYLE = `
:root { color-scheme: light; --fg:#1b1f24; --muted:#5d6773; --line:#d5dae0; --accent:#0b5cad; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:24px; align-items:center; padding:10px 20px; background:#14213d; color:#fff; }
header a { color:#fff; text-decoration:none; } header a.active { border-bottom:2px solid #fca311; }
header .brand { font-weight:700; } header .source { margin-left:auto; font-size:12px; opacity:.8; }
main { padding:16px 20px; }
.banner { padding:10px 20px; background:#b00020; color:#fff; font-weight:600; }
.notice { padding:6px 20px; background:#fff4ce; }
h1 { font-size:20px; margin:4px 0 12px; } h2 { font-size:16px; margin:20px 0 8px; }
table { border-collapse:collapse; background:#fff; width:100%; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f4; font-weight:600; } td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
a { color:var(--accent); }
form.filters { display:flex; flex-wrap:wrap; gap:8px 12px; align-items:flex-end; margin-bottom:12px; background:#fff; padding:10px; border:1px solid var(--line); }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
form.filters input, form.filters select { font:inherit; padding:3px 5px; min-width:120px; }
.muted { color:var(--muted); } .pager { margin:10px 0; display:flex; gap:12px; align-items:center; }
.sev { display:inline-block; min-width:62px; padding:1px 6px; border-radius:3px; color:#fff; font-size:12px; text-align:center; }
.sev-21 { background:#4a7c59; } .sev-47 { background:#c17d11; } .sev-73 { background:#c0392b; } .sev-99 { background:#6c1b8f; }
.counts { display:flex; flex-wrap:wrap; gap:6px; margin-bottom:12px; }
.counts a { background:#fff; border:1px solid var(--line); padding:2px 8px; border-radius:12px; text-decoration:none; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 14px; background:#fff; padding:10px; border:1px solid var(--line); }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.ladder-wrap { display:flex; gap:16px; align-items:flex-start; }
.ladder-box { background:#fff; border:1px solid var(--line); overflow:auto; max-width:70%; }
svg.ladder { font:12px ui-monospace, monospace; color:#1b1f24; }
svg.ladder .host { font-weight:700; } svg.ladder .lifeline { stroke:#9aa4ae; stroke-dasharray:4 3; }
svg.ladder .arrow { stroke:currentColor; stroke-width:1.4; } svg.ladder .msg { cursor:pointer; color:#0b5cad; }
svg.ladder .msg.response { color:#7a3e00; } svg.ladder .msg.selected { color:#d00000; }
svg.ladder .hit { fill:transparent; } svg.ladder .time { fill:#5d6773; } svg.ladder .label { fill:currentColor; }
pre.raw { flex:1; min-height:120px; background:#fff; border:1px solid var(--line); padding:10px; margin:0; white-space:pre-wrap; word-break:break-all; font-size:12px; }
`;

/** Arrow clicks show the message text; a failed health probe shows the banner without a reload. */
export const SCRIPT = `
(function () {
  var messages = document.getElementById('ladder-messages');
  var rawBox = document.getElementById('raw-message');
  if (messages && rawBox) {
    var texts = JSON.parse(messages.textContent || '[]');
    document.querySelectorAll('svg.ladder .msg').forEach(function (g) {
      function show() {
        document.querySelectorAll('svg.ladder .msg.selected').forEach(function (s) { s.classList.remove('selected'); });
        g.classList.add('selected');
        rawBox.textContent = texts[Number(g.getAttribute('data-msg'))] || '';
      }
      g.addEventListener('click', show);
      g.addEventListener('keydown', function (e) { if (e.key === 'Enter') show(); });
    });
  }
  var banner = document.getElementById('live-banner');
  if (banner) {
    setInterval(function () {
      fetch('/health', { headers: { accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (h) { banner.hidden = h.ok; banner.textContent = h.ok ? '' : h.message; })
        .catch(function () { banner.hidden = false; banner.textContent = 'The sipward console is not answering.'; });
    }, 5000);
  }
})();
`;

export interface LayoutOptions {
  title: string;
  active: 'alerts' | 'calls' | 'fraud' | 'signatures' | '';
  source: string;
  /** Shown in red at the top: the data source is not answering. */
  banner?: string;
  notices?: readonly string[];
}

const NAV: Array<[LayoutOptions['active'], string, string]> = [
  ['alerts', '/', 'Alerts'],
  ['calls', '/calls', 'Calls'],
  ['fraud', '/fraud', 'Fraud'],
  ['signatures', '/signatures', 'Signatures'],
];

export function layout(options: LayoutOptions, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · sipward</title>
        <link rel="stylesheet" href="/static/console.css" />
      </head>
      <body>
        <header>
          <span class="brand">sipward</span>${NAV.map(
            ([key, href, label]) =>
              html`<a href="${href}" class="${key === options.active ? 'active' : ''}">${label}</a>`,
          )}<span class="source">${options.source}</span>
        </header>
        <div id="live-banner" class="banner" role="alert" ${raw(options.banner === undefined ? 'hidden' : '')}>
          ${options.banner ?? ''}
        </div>
        ${(options.notices ?? []).map((n) => html`<div class="notice">${n}</div>`)}
        <main>${body}</main>
        <script src="/static/console.js"></script>
      </body>
    </html> `.markup;
}
