//! Prometheus registry helpers (prom-client) shared by `collect` and `analyzer`. Most values are
//! pulled at scrape time from the stats objects the stages keep anyway ("pulled" metrics), so the
//! hot path pays nothing; the rest arrive on diagnostics channels (channels.ts). Every label has a
//! bounded set of values: unknown values fold into "other".
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export type Labels = Record<string, string>;
/** A reading: one number, or one number per label set. */
export type Reading = number | ReadonlyArray<readonly [Labels, number]>;

/** A registry with the process metrics (CPU, memory, event loop lag, GC) and a `role` label. */
export function newRegistry(role: 'collect' | 'analyzer'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'sipward_' });
  return registry;
}

/** Calls `put` once per value of a reading (without labels for a single number). */
function eachValue(reading: Reading, put: (value: number, labels?: Labels) => void): void {
  if (typeof reading === 'number') put(reading);
  else for (const [labels, value] of reading) put(value, labels);
}

/** The configuration of a pulled metric: prom-client calls `collect` before every scrape. */
function pulled<M extends Counter | Gauge>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  refresh: (metric: M) => void,
): { name: string; help: string; labelNames: readonly string[]; registers: Registry[]; collect(this: M): void } {
  return {
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      refresh(this);
    },
  };
}

/** A counter whose cumulative value(s) are read from a stats object at every scrape. */
export function pulledCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Reading,
): Counter {
  return new Counter(
    pulled<Counter>(registry, name, help, labelNames, (counter) =>
      eachValue(read(), (value, labels) =>
        labels === undefined ? counter.inc(Math.max(0, value)) : counter.inc(labels, Math.max(0, value)),
      ),
    ),
  );
}

/** A gauge read at every scrape. */
export function pulledGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Reading,
): Gauge {
  return new Gauge(
    pulled<Gauge>(registry, name, help, labelNames, (gauge) =>
      eachValue(read(), (value, labels) => (labels === undefined ? gauge.set(value) : gauge.set(labels, value))),
    ),
  );
}

/** `value` when it is one of `allowed`, else "other": keeps a label's cardinality bounded. */
export function bounded(value: string | undefined, allowed: ReadonlySet<string>): string {
  return value !== undefined && allowed.has(value) ? value : 'other';
}

/** Counter fields of a stats object as one reading labelled `label=<field>` (numbers only). */
export function fieldsOf(stats: object, label: string): Array<[Labels, number]> {
  const out: Array<[Labels, number]> = [];
  for (const [key, value] of Object.entries(stats)) if (typeof value === 'number') out.push([{ [label]: key }, value]);
  return out;
}
