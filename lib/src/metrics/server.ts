//! The `--metrics-port` HTTP endpoint: Prometheus text on /metrics, liveness on /healthz,
//! readiness on /readyz (503 with the reason until the process can do its work).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { SipwardError } from '../errors';

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface MetricsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  readiness: () => Readiness;
}

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        options.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
          (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const r = options.readiness();
        res
          .writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' })
          .end(r.ready ? 'ready\n' : `${r.reason ?? 'not ready'}\n`);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics /healthz /readyz\n');
      }
    });
    server.keepAliveTimeout = 5000;
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new SipwardError(
            'SIPWARD_USAGE',
            `--metrics-port ${options.port}: cannot listen on ${host} (${error.code ?? error.message})`,
            {
              cause: error,
            },
          ),
        ),
      );
      server.listen(options.port, host, () => resolve());
    });
    // Scrapes must never keep a stopping process alive.
    server.unref();
    return new MetricsServer(server);
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
