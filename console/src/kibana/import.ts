//! `sipward kibana import`: posts the saved-object NDJSON to Kibana's import API (I/O edge),
//! overwriting earlier versions of the same ids, and reports what Kibana accepted.
import { SipwardError } from '../../../lib/src/errors';

export interface KibanaImportOptions {
  /** Base URL, e.g. http://127.0.0.1:5601 (a base path such as /kibana is kept). */
  kibana: string;
  ndjson: string;
  /** Kibana space; the default space when absent. */
  space?: string;
  username?: string;
  password?: string;
  /** Base64 "id:key" API key. */
  apiKey?: string;
  timeoutMs?: number;
}

export interface KibanaImportResult {
  successCount: number;
  errors: string[];
}

interface ImportResponse {
  success?: boolean;
  successCount?: number;
  errors?: Array<{ id?: string; type?: string; error?: { type?: string; message?: string } }>;
  message?: string;
}

export function importUrl(kibana: string, space?: string): URL {
  let base: URL;
  try {
    base = new URL(kibana);
  } catch {
    throw new SipwardError('SIPWARD_USAGE', `--kibana ${kibana} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new SipwardError('SIPWARD_USAGE', `--kibana ${kibana} must be http:// or https://`);
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  const spacePath = space === undefined || space === 'default' ? '' : `/s/${encodeURIComponent(space)}`;
  const url = new URL(`${prefix}${spacePath}/api/saved_objects/_import`, base);
  url.searchParams.set('overwrite', 'true');
  return url;
}

/** fetch() says only "fetch failed": the reason (ECONNREFUSED, a timeout) sits in its cause. */
function connectionCause(error: unknown): string {
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
}

export async function importSavedObjects(options: KibanaImportOptions): Promise<KibanaImportResult> {
  const url = importUrl(options.kibana, options.space);
  const form = new FormData();
  form.append('file', new Blob([options.ndjson], { type: 'application/ndjson' }), 'sipward.ndjson');
  const headers: Record<string, string> = { 'kbn-xsrf': 'sipward' };
  if (options.apiKey !== undefined) headers['authorization'] = `ApiKey ${options.apiKey}`;
  else if (options.username !== undefined && options.password !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const cause = connectionCause(error);
    throw new SipwardError('SIPWARD_KIBANA_UNAVAILABLE', `Kibana at ${options.kibana} is unreachable: ${cause}`, {
      cause: error,
    });
  }
  const text = await response.text();
  let body: ImportResponse = {};
  try {
    body = JSON.parse(text) as ImportResponse;
  } catch {
    // Not JSON: a proxy page or a wrong URL; the status line below says enough.
  }
  if (!response.ok) {
    throw new SipwardError(
      'SIPWARD_KIBANA_UNAVAILABLE',
      `Kibana refused the import: HTTP ${response.status}${body.message !== undefined ? ` ${body.message}` : ''}`,
    );
  }
  return {
    successCount: body.successCount ?? 0,
    errors: (body.errors ?? []).map((e) =>
      `${e.type ?? '?'} ${e.id ?? '?'}: ${e.error?.type ?? ''} ${e.error?.message ?? ''}`.trim(),
    ),
  };
}
