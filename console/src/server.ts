//! `sipward ui`'s HTTP server (I/O edge): stable GET routes over a ConsoleStore, server-rendered
//! HTML, read-only. With a token, every request must carry it (Bearer header, or the cookie that
//! `/?token=…` sets once); a data source that stops answering turns into a banner, not a crash.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { parseAlertQuery, parseCallQuery, parseTimeRange } from './filters';
import { fraudCsv } from './fraud';
import { html, layout, SCRIPT, STYLE, type Html, type LayoutOptions } from './html';
import type { ConsoleStore } from './model';
import { StoreUnavailableError } from './model';
import { alertListPage, alertPage, notFoundPage } from './pages/alert-pages';
import { callListPage, callPage } from './pages/call-pages';
import { fraudPage, signaturesPage, type CatalogEntry } from './pages/report-pages';
import { catalogThemes } from './catalog';

export interface ConsoleServerOptions {
  store: ConsoleStore;
  catalog: CatalogEntry[];
  /** When set, requests without it get 401. */
  authToken?: string;
  log: Logger;
}

const TOKEN_COOKIE = 'sipward_token';
const SECURITY_HEADERS = {
  // Everything is served by sipward itself: no CDN, no inline script, no framing.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** A path segment as text; a malformed %-escape stays as typed (and simply matches no id). */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Without a token the console trusts the loopback bind; a page on another site could still reach it
 * through DNS rebinding, so the Host header must name this machine.
 */
function isLocalHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

export function createConsoleServer(options: ConsoleServerOptions): Server {
  const { store, catalog, log } = options;
  const themes = catalogThemes(catalog);
  const expected = options.authToken === undefined ? undefined : digest(options.authToken);
  const tokenOk = (token: string | undefined): boolean =>
    expected === undefined || (token !== undefined && timingSafeEqual(digest(token), expected));

  const page = async (title: string, active: LayoutOptions['active'], body: Html, status = 200): Promise<Reply> => {
    const banner = await store.health();
    return {
      status,
      type: 'text/html; charset=utf-8',
      body: layout(
        {
          title,
          active,
          source: store.description,
          ...(banner !== undefined ? { banner } : {}),
          notices: store.notices,
        },
        body,
      ),
    };
  };

  async function route(url: URL): Promise<Reply> {
    const path = url.pathname;
    const params = url.searchParams;
    if (path === '/static/console.css') return { status: 200, type: 'text/css; charset=utf-8', body: STYLE };
    if (path === '/static/console.js') return { status: 200, type: 'text/javascript; charset=utf-8', body: SCRIPT };
    if (path === '/health') {
      const problem = await store.health();
      return {
        status: problem === undefined ? 200 : 503,
        type: 'application/json',
        body: JSON.stringify({ ok: problem === undefined, message: problem ?? 'ok' }),
      };
    }
    if (path === '/') {
      const q = parseAlertQuery(params);
      const [alerts, all] = await Promise.all([store.alerts(q), store.alertCountsBySignature()]);
      return page('Alerts', 'alerts', alertListPage(alerts, q, all, themes));
    }
    const alertId = /^\/alerts\/([^/]+)$/.exec(path)?.[1];
    if (alertId !== undefined) {
      const id = decodedSegment(alertId);
      const alert = await store.alert(id);
      if (alert === undefined) return page('Not found', '', notFoundPage(`No alert with id ${id}.`), 404);
      return page(alert.rule.id, 'alerts', alertPage(alert, await store.callsOfAlert(alert)));
    }
    if (path === '/calls') {
      const q = parseCallQuery(params);
      return page('Calls', 'calls', callListPage(await store.calls(q), q));
    }
    const callId = /^\/calls\/([^/]+)$/.exec(path)?.[1];
    if (callId !== undefined) {
      const id = decodedSegment(callId);
      const call = await store.call(id);
      if (call === undefined) return page('Not found', '', notFoundPage(`No call record with id ${id}.`), 404);
      const [alerts, log] = await Promise.all([store.alertsOfCall(call), store.sipLog(call.call_id)]);
      return page(`Call ${call.call_id}`, 'calls', callPage(call, alerts, log));
    }
    if (path === '/fraud') {
      const range = parseTimeRange(params);
      return page('Fraud', 'fraud', fraudPage(await store.fraud(range), range));
    }
    if (path === '/fraud.csv') {
      const by = params.get('by') === 'destination' ? 'destination' : 'account';
      const report = await store.fraud(parseTimeRange(params));
      return {
        status: 200,
        type: 'text/csv; charset=utf-8',
        body: fraudCsv(report, by),
        headers: { 'content-disposition': `attachment; filename="sipward-fraud-by-${by}.csv"` },
      };
    }
    if (path === '/signatures') {
      return page('Signatures', 'signatures', signaturesPage(catalog, await store.alertCountsBySignature()));
    }
    return page('Not found', '', notFoundPage(`Nothing at ${path}.`), 404);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'the console is read-only');
    if (expected === undefined && !isLocalHost(req.headers.host)) {
      throw new HttpError(
        421,
        'this console answers only to localhost (start it with --auth-token-file to serve others)',
      );
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const fromQuery = url.searchParams.get('token') ?? undefined;
    if (!tokenOk(bearer) && !tokenOk(cookieToken(req))) {
      if (fromQuery === undefined || !tokenOk(fromQuery)) throw new HttpError(401, 'a valid console token is required');
      // The token once in a link: keep it in a cookie and drop it from the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, {
        location: url.pathname + url.search,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(fromQuery)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    let reply: Reply;
    try {
      reply = await route(url);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      reply = await unavailable(error.message);
    }
    res.writeHead(reply.status, { 'content-type': reply.type, ...SECURITY_HEADERS, ...(reply.headers ?? {}) });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  async function unavailable(message: string): Promise<Reply> {
    const body = layout(
      { title: 'Data source unavailable', active: '', source: store.description, banner: message },
      html`<h1>Data source unavailable</h1>
        <p id="unavailable">This page could not be built: ${message}</p>
        <p>Reload once it is back.</p>`,
    );
    return { status: 503, type: 'text/html; charset=utf-8', body };
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log.error({ err: error, url: req.url }, 'console request failed');
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end(status === 500 ? 'internal error (see the sipward ui log)\n' : `${(error as Error).message}\n`);
    });
  });
}
