//! The Elasticsearch client of the analyzer daemon, built from its connection options (I/O edge).
//! Start-up checks use cluster.health: the integ-test-zip node serves no GET / (info) nor HEAD / (ping).
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { ClientOptions } from '@elastic/elasticsearch';
import { SipwardError } from '../../../lib/src/errors';

export interface ElasticClientOptions {
  /** One URL or several ("http://127.0.0.1:9200"). */
  node: string | string[];
  username?: string;
  password?: string;
  /** Base64 "id:key" API key, or { id, api_key }. Wins over username/password. */
  apiKey?: string | { id: string; api_key: string };
  /** PEM CA bundle that signed the cluster's certificate. */
  caFile?: string;
  /** Accept any certificate (tests, self-signed labs). Never in production. */
  insecure?: boolean;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * Client-level retries of one request on another node (default 0): ElasticIndexer retries with
   * its own backoff forever, and client-level retries would only hide the outage from its logs.
   */
  maxRetries?: number;
}

/** The ClientOptions the options stand for; pure except for reading the CA file. */
export function elasticClientOptions(opts: ElasticClientOptions): ClientOptions {
  const nodes = (Array.isArray(opts.node) ? opts.node : [opts.node]).map((n) => n.trim()).filter((n) => n !== '');
  if (nodes.length === 0) {
    throw new SipwardError('SIPWARD_CONFIG_INVALID', 'no Elasticsearch node URL given');
  }
  for (const n of nodes) {
    let url: URL;
    try {
      url = new URL(n);
    } catch {
      throw new SipwardError('SIPWARD_CONFIG_INVALID', `Elasticsearch node "${n}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SipwardError('SIPWARD_CONFIG_INVALID', `Elasticsearch node "${n}" must be http:// or https://`);
    }
  }
  if ((opts.username === undefined) !== (opts.password === undefined) && opts.apiKey === undefined) {
    throw new SipwardError('SIPWARD_CONFIG_INVALID', 'Elasticsearch username and password go together');
  }
  const options: ClientOptions = {
    node: nodes.length === 1 ? nodes[0] : nodes,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    maxRetries: opts.maxRetries ?? 0,
    sniffOnStart: false,
    sniffOnConnectionFault: false,
  };
  if (opts.apiKey !== undefined) options.auth = { apiKey: opts.apiKey };
  else if (opts.username !== undefined && opts.password !== undefined) {
    options.auth = { username: opts.username, password: opts.password };
  }
  if (opts.caFile !== undefined || opts.insecure === true) {
    let ca: string | undefined;
    if (opts.caFile !== undefined) {
      try {
        ca = readFileSync(opts.caFile, 'utf8');
      } catch (e) {
        throw new SipwardError('SIPWARD_CONFIG_INVALID', `cannot read Elasticsearch CA file ${opts.caFile}`, {
          cause: e,
        });
      }
    }
    options.tls = {
      ...(ca !== undefined ? { ca } : {}),
      ...(opts.insecure === true ? { rejectUnauthorized: false } : {}),
    };
  }
  return options;
}

export function createElasticClient(opts: ElasticClientOptions): Client {
  return new Client(elasticClientOptions(opts));
}
