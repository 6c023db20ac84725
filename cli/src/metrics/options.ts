//! `--metrics-port` / `--metrics-host`, shared by `collect` and `analyzer`.
import { InvalidArgumentError, Option, type Command } from 'commander';

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
