// docker-compose.yml cannot be started here (no container engine), so this unit-level test
// proves what can be proved without one: Compose itself accepts the file, the collector has
// what live capture needs, and the file stays in step with scripts/services (same Kafka and
// Elasticsearch versions, same host ports), so local tests and deployments run the same servers.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { MetricsServer } from '../../lib/src/metrics/server';
import { repoRoot } from '../../lib/src/repo-root';

type Dict = Record<string, unknown>;

const root = repoRoot();
const composeFile = join(root, 'docker-compose.yml');
const INTERFACE = 'sipward-test0';

function dict(v: unknown, what: string): Dict {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} must be a mapping`);
  return v as Dict;
}

function list(v: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(v), `${what} must be a list`);
  return v;
}

function strings(v: unknown, what: string): string[] {
  return list(v, what).map((x) => String(x));
}

function service(doc: Dict, name: string): Dict {
  return dict(dict(doc.services, 'services')[name], `service ${name}`);
}

/** The defaults block of scripts/services: `NAME="${SIPWARD_NAME:-value}"`. */
function scriptDefaults(): Record<string, string> {
  const text = readFileSync(join(root, 'scripts', 'services'), 'utf8');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z_]+)="\$\{SIPWARD_[A-Z_]+:-([^}]+)\}"$/gm)) {
    const [, key, value] = m;
    if (key !== undefined && value !== undefined) out[key] = value;
  }
  for (const k of ['KAFKA_VERSION', 'KAFKA_PORT', 'ES_VERSION', 'ES_PORT']) {
    assert.ok(out[k] !== undefined, `scripts/services no longer declares ${k}="\${SIPWARD_...:-default}"`);
  }
  return out;
}

function runCompose(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', composeFile, 'config'], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    assert.fail(
      code === 'ENOENT'
        ? 'docker-compose is not installed: apt-get install docker-compose (the test command installs it)'
        : `docker-compose could not run: ${r.error.message}`,
    );
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

void describe('docker-compose.yml', () => {
  const raw = dict(parse(readFileSync(composeFile, 'utf8')), 'docker-compose.yml');
  const defaults = scriptDefaults();

  void test('docker-compose config accepts it, with the capture interface from SIPWARD_INTERFACE', () => {
    const env = { ...process.env, SIPWARD_INTERFACE: INTERFACE };
    const r = runCompose(env);
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    const resolved = dict(parse(r.stdout), 'docker-compose config output');
    assert.deepEqual(Object.keys(dict(resolved.services, 'services')).sort(), [
      'analyzer',
      'collector',
      'elasticsearch',
      'kafka',
      'kibana',
      'kibana-objects',
    ]);
    const cmd = strings(service(resolved, 'collector').command, 'collector.command');
    assert.equal(cmd[cmd.indexOf('--interface') + 1], INTERFACE);
  });

  void test('docker-compose config refuses to run without SIPWARD_INTERFACE', () => {
    const env = { ...process.env };
    delete env.SIPWARD_INTERFACE;
    const r = runCompose(env);
    assert.notEqual(r.status, 0, 'a collector without an interface must not start');
    assert.match(r.stderr, /SIPWARD_INTERFACE/);
  });

  void test('same Kafka and Elasticsearch versions as scripts/services', () => {
    assert.equal(service(raw, 'kafka').image, `apache/kafka:${defaults.KAFKA_VERSION}`);
    assert.equal(
      service(raw, 'elasticsearch').image,
      `docker.elastic.co/elasticsearch/elasticsearch:${defaults.ES_VERSION}`,
    );
    assert.equal(service(raw, 'kibana').image, `docker.elastic.co/kibana/kibana:${defaults.ES_VERSION}`);
  });

  void test('same host ports as scripts/services, published on 127.0.0.1 only', () => {
    const kafkaPort = defaults.KAFKA_PORT ?? '';
    const esPort = defaults.ES_PORT ?? '';
    assert.ok(strings(service(raw, 'kafka').ports, 'kafka.ports').includes(`127.0.0.1:${kafkaPort}:9092`));
    assert.ok(strings(service(raw, 'elasticsearch').ports, 'elasticsearch.ports').includes(`127.0.0.1:${esPort}:9200`));
    for (const [name, svc] of Object.entries(dict(raw.services, 'services'))) {
      const ports = dict(svc, name).ports;
      if (ports === undefined) continue;
      for (const p of strings(ports, `${name}.ports`)) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p}`);
    }
    // The collector shares the host's network: it reaches the broker through the published port,
    // which the broker must advertise back under the same address.
    const env = dict(service(raw, 'kafka').environment, 'kafka.environment');
    assert.match(String(env.KAFKA_ADVERTISED_LISTENERS), new RegExp(`//127\\.0\\.0\\.1:${kafkaPort}(,|$)`));
    const collect = strings(service(raw, 'collector').command, 'collector.command');
    assert.equal(collect[collect.indexOf('--kafka') + 1], `127.0.0.1:${kafkaPort}`);
  });

  void test('collector: host network, NET_RAW/NET_ADMIN, `sipward collect --interface $SIPWARD_INTERFACE`', () => {
    const c = service(raw, 'collector');
    assert.equal(c.network_mode, 'host');
    const caps = strings(c.cap_add, 'collector.cap_add');
    assert.ok(caps.includes('NET_RAW') && caps.includes('NET_ADMIN'), `cap_add is ${caps.join(',')}`);
    const cmd = strings(c.command, 'collector.command');
    assert.equal(cmd[0], 'collect');
    assert.match(cmd[cmd.indexOf('--interface') + 1] ?? '', /^\$\{SIPWARD_INTERFACE[:?}]/);
    assert.equal(c.build, '.');
  });

  void test('analyzer: `sipward analyzer --kafka ... --elasticsearch ...` built from the same Dockerfile', () => {
    const a = service(raw, 'analyzer');
    const cmd = strings(a.command, 'analyzer.command');
    assert.equal(cmd[0], 'analyzer');
    assert.equal(cmd[cmd.indexOf('--kafka') + 1], 'kafka:29092');
    assert.equal(cmd[cmd.indexOf('--elasticsearch') + 1], 'http://elasticsearch:9200');
    assert.equal(a.build, '.');
    assert.equal(a.image, service(raw, 'collector').image);
  });

  void test('every service has a memory limit, every long-running one a health check', () => {
    for (const [name, svc] of Object.entries(dict(raw.services, 'services'))) {
      const s = dict(svc, name);
      assert.match(String(s.mem_limit), /^\d+[mg]$/, `${name}: mem_limit`);
      if (s.restart === 'no') continue;
      const check = dict(s.healthcheck, `${name}.healthcheck`);
      assert.ok(Array.isArray(check.test) && check.test.length > 1, `${name}: healthcheck.test`);
    }
  });

  void test("analyzer: V8's old space of each stage thread bounded (NODE_OPTIONS) below its memory limit", () => {
    const a = service(raw, 'analyzer');
    const options = String(dict(a.environment, 'analyzer.environment').NODE_OPTIONS ?? '');
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1] ?? NaN);
    const m = /^(\d+)([mg])$/.exec(String(a.mem_limit));
    const limitMiB = m === null ? NaN : Number(m[1]) * (m[2] === 'g' ? 1024 : 1);
    assert.ok(Number.isFinite(heapMiB), `analyzer NODE_OPTIONS sets --max-old-space-size: ${options}`);
    // The bound is per V8 isolate: the default analyzer runs its two stages on two threads, two heaps.
    const threads = strings(a.command, 'analyzer.command').join(' ').includes('--stage-threads 1') ? 1 : 2;
    // Room left for new space, code, kafkajs buffers and the Elasticsearch client beside the old spaces.
    assert.ok(
      heapMiB * threads <= limitMiB - 384,
      `old space ${threads} × ${heapMiB} MiB within mem_limit ${limitMiB} MiB`,
    );
  });

  void test('kibana-objects loads the saved objects once Kibana is healthy, and is done', () => {
    const k = service(raw, 'kibana-objects');
    assert.deepEqual(strings(k.command, 'kibana-objects.command'), [
      'kibana',
      'import',
      '--kibana',
      'http://kibana:5601',
    ]);
    assert.equal(dict(dict(k.depends_on, 'depends_on').kibana, 'depends_on.kibana').condition, 'service_healthy');
    assert.equal(k.restart, 'no');
    assert.equal(k.image, service(raw, 'analyzer').image);
  });

  void test('collector and analyzer serve metrics on --metrics-port, and their health checks ask /readyz there', () => {
    for (const [name, port, host] of [
      ['collector', '9464', '127.0.0.1'],
      ['analyzer', '9465', '0.0.0.0'],
    ] as const) {
      const s = service(raw, name);
      const cmd = strings(s.command, `${name}.command`);
      assert.equal(cmd[cmd.indexOf('--metrics-port') + 1], port, name);
      assert.equal(cmd[cmd.indexOf('--metrics-host') + 1], host, name);
      const check = strings(dict(s.healthcheck, `${name}.healthcheck`).test, `${name}.healthcheck.test`).join(' ');
      assert.ok(check.includes(`http://127.0.0.1:${port}/readyz`), `${name}: ${check}`);
    }
    // The analyzer is on the compose network: its metrics port is published, on loopback only.
    assert.ok(strings(service(raw, 'analyzer').ports, 'analyzer.ports').includes('127.0.0.1:9465:9465'));
  });

  void test('the health check commands work against a real metrics endpoint', async () => {
    // The containers' check is a node one-liner; run the same line against a live endpoint here.
    let ready = false;
    const server = await MetricsServer.start({ port: 0, registry: new Registry(), readiness: () => ({ ready }) });
    try {
      const check = strings(dict(service(raw, 'analyzer').healthcheck, 'h').test, 't');
      const script = (check[3] ?? '').replace('9465', String(server.port));
      // Asynchronous: the endpoint lives in this process, so its event loop must keep turning.
      const run = (): Promise<number | null> =>
        new Promise((done) => {
          const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.on('exit', (code) => {
            clearTimeout(timer);
            done(code);
          });
        });
      assert.equal(await run(), 1, 'not ready yet: unhealthy');
      ready = true;
      assert.equal(await run(), 0, 'ready: healthy');
    } finally {
      await server.close();
    }
  });

  void test('Dockerfile: node:24-bookworm-slim, libpcap for `cap`, npm ci + build, entrypoint bin/sipward.js', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:24-bookworm-slim\b/m);
    assert.equal(readFileSync(join(root, '.nvmrc'), 'utf8').trim(), '24');
    assert.match(dockerfile, /libpcap-dev/);
    assert.match(dockerfile, /RUN npm ci\b/);
    assert.match(dockerfile, /npm run build/);
    assert.match(dockerfile, /^ENTRYPOINT \["node", "bin\/sipward\.js"\]$/m);
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.services', '.git'])
      assert.ok(ignored.includes(p), `.dockerignore lacks ${p}`);
  });
});
