//! `--metrics-port` / `--metrics-host`, shared by `collect` and `analyzer`.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Registry } from 'prom-client';
import type { Logger } from '../../../lib/src/logger';
import { MetricsServer } from '../../../lib/src/metrics/server';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`not a port: ${value}`);
  return n;
}

export function addMetricsOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--metrics-port <port>', 'serve Prometheus /metrics, /healthz and /readyz on this port')
        .argParser(port)
        .env('SIPWARD_METRICS_PORT'),
    )
    .addOption(
      new Option('--metrics-host <address>', 'address the metrics endpoint listens on (0.0.0.0 in a container)')
        .default('127.0.0.1')
        .env('SIPWARD_METRICS_HOST'),
    );
}

/** What /readyz answers for a daemon: 503 while stopping or still starting (`starting` says why), else 200. */
export interface DaemonReadiness {
  stopping: () => boolean;
  ready: () => boolean;
  starting: string;
}

/** Serves /metrics, /healthz and /readyz when `--metrics-port` is given (and logs where). */
export async function serveMetrics(
  flags: MetricsFlags,
  registry: Registry | undefined,
  readiness: DaemonReadiness,
  log: Logger,
): Promise<MetricsServer | undefined> {
  if (registry === undefined || flags.metricsPort === undefined) return undefined;
  const server = await MetricsServer.start({
    port: flags.metricsPort,
    host: flags.metricsHost,
    registry,
    readiness: () =>
      readiness.stopping()
        ? { ready: false, reason: 'stopping' }
        : readiness.ready()
          ? { ready: true }
          : { ready: false, reason: readiness.starting },
  });
  log.info({ metrics: `${flags.metricsHost}:${server.port}` }, 'metrics endpoint up');
  return server;
}
