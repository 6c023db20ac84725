//! prom-client takes ~150 ms to load: the metrics modules are loaded only by a command given
//! --metrics-port, so every other invocation of the CLI starts without it.
import { createRequire } from 'node:module';
import type * as CollectMetricsTypes from './collect-metrics';
import type * as AnalyzerMetricsTypes from './analyzer-metrics';

type CollectMetricsModule = typeof CollectMetricsTypes;
type AnalyzerMetricsModule = typeof AnalyzerMetricsTypes;

const load = createRequire(__filename);

export function loadCollectMetrics(): CollectMetricsModule {
  return load('./collect-metrics') as CollectMetricsModule;
}

export function loadAnalyzerMetrics(): AnalyzerMetricsModule {
  return load('./analyzer-metrics') as AnalyzerMetricsModule;
}
