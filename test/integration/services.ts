// Shared helpers for integration tests that talk to the real services started by
// `scripts/services up`.  A missing service is a test failure with a clear message, never a skip:
// a green run must mean the code really met Kafka and Elasticsearch.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../../lib/src/repo-root';

/** Kafka bootstrap servers, from SIPWARD_KAFKA ("host:port,host:port"). */
export const kafkaBrokers: string[] = (process.env.SIPWARD_KAFKA ?? '127.0.0.1:9092')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

/** Elasticsearch base URL, from SIPWARD_ELASTICSEARCH. */
export const elasticsearchUrl: string = (process.env.SIPWARD_ELASTICSEARCH ?? 'http://127.0.0.1:9200').replace(
  /\/+$/,
  '',
);

const START_HINT = 'start it with `scripts/services up` (integration tests never skip)';

/**
 * A name no other test run uses: lower case, so it is valid as a Kafka topic, a consumer group,
 * an Elasticsearch index and a data stream name.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  return `${clean}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * What scripts/services wrote into .services/versions (kafka=4.4.0, elasticsearch=8.19.21, ...);
 * empty when the services were started some other way.
 */
export function serviceVersions(): Record<string, string> {
  const dir = process.env.SIPWARD_SERVICES_DIR ?? join(repoRoot(), '.services');
  const file = join(dir, 'versions');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function parseHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new Error(`bad host:port "${hostPort}" in SIPWARD_KAFKA`);
  return { host: hostPort.slice(0, i), port };
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (err?: string): void => {
      socket.destroy();
      resolve(err);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (e: Error) => done(e.message));
  });
}

/** Throws (fails the test) when no Kafka broker accepts connections at kafkaBrokers[0]. */
export async function requireKafka(): Promise<void> {
  const first = kafkaBrokers[0];
  if (first === undefined) throw new Error('SIPWARD_KAFKA is empty');
  const { host, port } = parseHostPort(first);
  const err = await tcpReachable(host, port, 3000);
  if (err !== undefined) throw new Error(`Kafka is not reachable at ${first} (${err}): ${START_HINT}`);
}

/** Throws (fails the test) when Elasticsearch does not report yellow or green health. */
export async function requireElasticsearch(): Promise<void> {
  const url = `${elasticsearchUrl}/_cluster/health?wait_for_status=yellow&timeout=10s`;
  let status: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    const body = (await res.json()) as { status?: string };
    status = body.status ?? `HTTP ${res.status}`;
  } catch (e) {
    throw new Error(`Elasticsearch is not reachable at ${elasticsearchUrl} (${(e as Error).message}): ${START_HINT}`);
  }
  if (status !== 'green' && status !== 'yellow') {
    throw new Error(`Elasticsearch at ${elasticsearchUrl} is not healthy (status ${status}): ${START_HINT}`);
  }
}

/** Both requireKafka and requireElasticsearch: the pipeline tests need the two services. */
export async function requirePipelineServices(): Promise<void> {
  await requireKafka();
  await requireElasticsearch();
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
