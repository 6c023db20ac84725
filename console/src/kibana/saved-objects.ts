//! Kibana saved objects for sites that live in Kibana: data views for the alert, call and SIP
//! transaction indexes, a SOC overview dashboard and a fraud dashboard (Lens panels). Built here
//! as data; `sipward kibana export` writes them as the NDJSON committed in kibana/, and a test
//! checks every field a panel uses against the index templates.

/** One saved object as Kibana's import API reads it (a line of the NDJSON). */
export interface SavedObject {
  type: 'index-pattern' | 'lens' | 'dashboard';
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ type: string; id: string; name: string }>;
  coreMigrationVersion: string;
  typeMigrationVersion: string;
}

/** Kibana 8.8+ reads these; later versions migrate them on import. */
const CORE_MIGRATION = '8.8.0';

export const DATA_VIEWS = {
  alerts: { id: 'sipward-alerts', title: 'logs-sipward.alert-*', name: 'sipward alerts' },
  calls: { id: 'sipward-calls', title: 'logs-sipward.call-*', name: 'sipward call records' },
  sip: { id: 'sipward-sip', title: 'logs-sipward.sip-*', name: 'sipward SIP transactions' },
} as const;

type DataViewKey = keyof typeof DATA_VIEWS;

export type LensOperation = 'date_histogram' | 'terms' | 'count' | 'sum' | 'unique_count' | 'max';

export interface LensColumn {
  label: string;
  dataType: 'date' | 'string' | 'number' | 'ip';
  operationType: LensOperation;
  sourceField: string;
  isBucketed: boolean;
  scale: 'interval' | 'ordinal' | 'ratio';
  params?: Record<string, unknown>;
  customLabel?: boolean;
}

/** Count of documents: Lens's pseudo-field, not a mapped one. */
export const RECORDS_FIELD = '___records___';

const count = (): LensColumn => ({
  label: 'Count',
  dataType: 'number',
  operationType: 'count',
  sourceField: RECORDS_FIELD,
  isBucketed: false,
  scale: 'ratio',
  params: { emptyAsNull: true },
});

const metric = (operationType: 'sum' | 'unique_count' | 'max', field: string, label: string): LensColumn => ({
  label,
  dataType: 'number',
  operationType,
  sourceField: field,
  isBucketed: false,
  scale: 'ratio',
  params: { emptyAsNull: true },
  customLabel: true,
});

const overTime = (): LensColumn => ({
  label: '@timestamp',
  dataType: 'date',
  operationType: 'date_histogram',
  sourceField: '@timestamp',
  isBucketed: true,
  scale: 'interval',
  params: { interval: 'auto', includeEmptyRows: true, dropPartials: false },
});

function terms(
  field: string,
  label: string,
  orderBy: string,
  size = 10,
  dataType: LensColumn['dataType'] = 'string',
): LensColumn {
  return {
    label,
    dataType,
    operationType: 'terms',
    sourceField: field,
    isBucketed: true,
    scale: 'ordinal',
    params: {
      size,
      orderBy: { type: 'column', columnId: orderBy },
      orderDirection: 'desc',
      otherBucket: true,
      missingBucket: false,
      parentFormat: { id: 'terms' },
    },
    customLabel: true,
  };
}

type Shape =
  | { kind: 'bars'; x: string; y: string; split?: string; series: 'bar_stacked' | 'bar_horizontal' }
  | { kind: 'table'; columns: string[] }
  | { kind: 'pie'; groups: string[]; metric: string }
  | { kind: 'metric'; metric: string };

interface Panel {
  id: string;
  title: string;
  dataView: DataViewKey;
  columns: Record<string, LensColumn>;
  shape: Shape;
  /** Dashboard grid: 48 columns wide. */
  grid: { x: number; y: number; w: number; h: number };
}

const LAYER = 'layer1';

function visualization(shape: Shape): { type: string; state: Record<string, unknown> } {
  switch (shape.kind) {
    case 'bars':
      return {
        type: 'lnsXY',
        state: {
          legend: { isVisible: true, position: 'right' },
          valueLabels: 'hide',
          preferredSeriesType: shape.series,
          layers: [
            {
              layerId: LAYER,
              layerType: 'data',
              seriesType: shape.series,
              xAccessor: shape.x,
              accessors: [shape.y],
              ...(shape.split !== undefined ? { splitAccessor: shape.split } : {}),
            },
          ],
        },
      };
    case 'table':
      return {
        type: 'lnsDatatable',
        state: { layerId: LAYER, layerType: 'data', columns: shape.columns.map((columnId) => ({ columnId })) },
      };
    case 'pie':
      return {
        type: 'lnsPie',
        state: {
          shape: 'donut',
          layers: [
            {
              layerId: LAYER,
              layerType: 'data',
              primaryGroups: shape.groups,
              metrics: [shape.metric],
              numberDisplay: 'percent',
              categoryDisplay: 'default',
              legendDisplay: 'default',
            },
          ],
        },
      };
    case 'metric':
      return { type: 'lnsMetric', state: { layerId: LAYER, layerType: 'data', metricAccessor: shape.metric } };
  }
}

function lens(panel: Panel): SavedObject {
  const vis = visualization(panel.shape);
  return {
    type: 'lens',
    id: panel.id,
    attributes: {
      title: panel.title,
      description: '',
      visualizationType: vis.type,
      state: {
        datasourceStates: {
          formBased: { layers: { [LAYER]: { columns: panel.columns, columnOrder: Object.keys(panel.columns) } } },
        },
        visualization: vis.state,
        query: { query: '', language: 'kuery' },
        filters: [],
      },
    },
    references: [
      { type: 'index-pattern', id: DATA_VIEWS[panel.dataView].id, name: `indexpattern-datasource-layer-${LAYER}` },
    ],
    coreMigrationVersion: CORE_MIGRATION,
    typeMigrationVersion: '8.9.0',
  };
}

function dashboard(id: string, title: string, description: string, panels: Panel[]): SavedObject {
  const panelsJson = panels.map((p, i) => ({
    version: CORE_MIGRATION,
    type: 'lens',
    gridData: { ...p.grid, i: String(i + 1) },
    panelIndex: String(i + 1),
    embeddableConfig: { enhancements: {} },
    panelRefName: `panel_${i}`,
  }));
  return {
    type: 'dashboard',
    id,
    attributes: {
      title,
      description,
      panelsJSON: JSON.stringify(panelsJson),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, hidePanelTitles: false }),
      timeRestore: false,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: panels.map((p, i) => ({ type: 'lens', id: p.id, name: `panel_${i}` })),
    coreMigrationVersion: CORE_MIGRATION,
    typeMigrationVersion: '8.9.0',
  };
}

function dataView(key: DataViewKey): SavedObject {
  const v = DATA_VIEWS[key];
  return {
    type: 'index-pattern',
    id: v.id,
    attributes: { title: v.title, name: v.name, timeFieldName: '@timestamp' },
    references: [],
    coreMigrationVersion: CORE_MIGRATION,
    typeMigrationVersion: '8.0.0',
  };
}

const SOC_PANELS: Panel[] = [
  {
    id: 'sipward-soc-alert-count',
    title: 'Alerts',
    dataView: 'alerts',
    columns: { n: count() },
    shape: { kind: 'metric', metric: 'n' },
    grid: { x: 0, y: 0, w: 12, h: 8 },
  },
  {
    id: 'sipward-soc-alerts-over-time',
    title: 'Alerts over time by severity',
    dataView: 'alerts',
    columns: { t: overTime(), sev: terms('event.severity', 'Severity', 'n', 4, 'number'), n: count() },
    shape: { kind: 'bars', x: 't', y: 'n', split: 'sev', series: 'bar_stacked' },
    grid: { x: 12, y: 0, w: 36, h: 8 },
  },
  {
    id: 'sipward-soc-alerts-by-signature',
    title: 'Alerts per signature',
    dataView: 'alerts',
    columns: { rule: terms('rule.id', 'Signature', 'n', 20), n: count() },
    shape: { kind: 'bars', x: 'rule', y: 'n', series: 'bar_horizontal' },
    grid: { x: 0, y: 8, w: 24, h: 12 },
  },
  {
    id: 'sipward-soc-alerts-by-theme',
    title: 'Alerts per FS.38 theme',
    dataView: 'alerts',
    columns: { theme: terms('sipward.fs38.theme', 'FS.38 theme', 'n', 12), n: count() },
    shape: { kind: 'pie', groups: ['theme'], metric: 'n' },
    grid: { x: 24, y: 8, w: 24, h: 12 },
  },
  {
    id: 'sipward-soc-top-sources',
    title: 'Top attacking sources',
    dataView: 'alerts',
    columns: {
      src: terms('source.ip', 'Source IP', 'n', 15, 'ip'),
      n: count(),
      events: metric('sum', 'sipward.count', 'SIP messages'),
      rules: metric('unique_count', 'rule.id', 'Signatures'),
      worst: metric('max', 'event.severity', 'Highest severity'),
    },
    shape: { kind: 'table', columns: ['src', 'n', 'events', 'rules', 'worst'] },
    grid: { x: 0, y: 20, w: 24, h: 14 },
  },
  {
    id: 'sipward-soc-top-accounts',
    title: 'Most targeted accounts',
    dataView: 'alerts',
    columns: {
      user: terms('user.name', 'Account', 'n', 15),
      n: count(),
      sources: metric('unique_count', 'source.ip', 'Sources'),
    },
    shape: { kind: 'table', columns: ['user', 'n', 'sources'] },
    grid: { x: 24, y: 20, w: 24, h: 14 },
  },
  {
    id: 'sipward-soc-sip-by-method-status',
    title: 'SIP transactions over time by method',
    dataView: 'sip',
    columns: { t: overTime(), method: terms('sip.method', 'Method', 'n', 8), n: count() },
    shape: { kind: 'bars', x: 't', y: 'n', split: 'method', series: 'bar_stacked' },
    grid: { x: 0, y: 34, w: 24, h: 12 },
  },
  {
    id: 'sipward-soc-sip-auth',
    title: 'Digest authentication by result and account',
    dataView: 'sip',
    columns: {
      user: terms('sip.auth.username', 'Account', 'n', 15),
      result: terms('sip.auth.result', 'Result', 'n', 3),
      n: count(),
      slowest: metric('max', 'sip.timings.final_ms', 'Slowest final (ms)'),
    },
    shape: { kind: 'table', columns: ['user', 'result', 'n', 'slowest'] },
    grid: { x: 24, y: 34, w: 24, h: 12 },
  },
];

const FRAUD_PANELS: Panel[] = [
  {
    id: 'sipward-fraud-call-count',
    title: 'Calls',
    dataView: 'calls',
    columns: { n: count() },
    shape: { kind: 'metric', metric: 'n' },
    grid: { x: 0, y: 0, w: 12, h: 8 },
  },
  {
    id: 'sipward-fraud-seconds',
    title: 'Talk time (s)',
    dataView: 'calls',
    columns: { s: metric('sum', 'duration_s', 'Talk time (s)') },
    shape: { kind: 'metric', metric: 's' },
    grid: { x: 12, y: 0, w: 12, h: 8 },
  },
  {
    id: 'sipward-fraud-calls-over-time',
    title: 'Calls over time by outcome',
    dataView: 'calls',
    columns: { t: overTime(), outcome: terms('outcome', 'Outcome', 'n', 8), n: count() },
    shape: { kind: 'bars', x: 't', y: 'n', split: 'outcome', series: 'bar_stacked' },
    grid: { x: 24, y: 0, w: 24, h: 8 },
  },
  {
    id: 'sipward-fraud-by-destination',
    title: 'Per destination country',
    dataView: 'calls',
    columns: {
      country: terms('callee.country', 'Country', 's', 20),
      s: metric('sum', 'duration_s', 'Talk time (s)'),
      n: count(),
      accounts: metric('unique_count', 'caller.user', 'Accounts'),
    },
    shape: { kind: 'table', columns: ['country', 's', 'n', 'accounts'] },
    grid: { x: 0, y: 8, w: 24, h: 14 },
  },
  {
    id: 'sipward-fraud-by-account',
    title: 'Per account',
    dataView: 'calls',
    columns: {
      user: terms('caller.user', 'Account', 's', 20),
      s: metric('sum', 'duration_s', 'Talk time (s)'),
      n: count(),
      countries: metric('unique_count', 'callee.country', 'Countries'),
      ips: metric('unique_count', 'caller.ip', 'Source IPs'),
    },
    shape: { kind: 'table', columns: ['user', 's', 'n', 'countries', 'ips'] },
    grid: { x: 24, y: 8, w: 24, h: 14 },
  },
  {
    id: 'sipward-fraud-number-types',
    title: 'Calls per number type',
    dataView: 'calls',
    columns: { type: terms('callee.number_type', 'Number type', 'n', 12), n: count() },
    shape: { kind: 'pie', groups: ['type'], metric: 'n' },
    grid: { x: 0, y: 22, w: 24, h: 12 },
  },
  {
    id: 'sipward-fraud-top-caller-ips',
    title: 'Top caller IPs by talk time',
    dataView: 'calls',
    columns: {
      ip: terms('caller.ip', 'Caller IP', 's', 15, 'ip'),
      s: metric('sum', 'duration_s', 'Talk time (s)'),
      n: count(),
    },
    shape: { kind: 'bars', x: 'ip', y: 's', series: 'bar_horizontal' },
    grid: { x: 24, y: 22, w: 24, h: 12 },
  },
];

export function savedObjects(): SavedObject[] {
  return [
    dataView('alerts'),
    dataView('calls'),
    dataView('sip'),
    ...SOC_PANELS.map(lens),
    dashboard(
      'sipward-soc-overview',
      'sipward — SOC overview',
      'FS.38 SIP alerts: volume, signatures, themes, attacking sources, targeted accounts; SIP transactions by method and digest result.',
      SOC_PANELS,
    ),
    ...FRAUD_PANELS.map(lens),
    dashboard(
      'sipward-fraud',
      'sipward — fraud',
      'Call records: volume by outcome, talk time per destination country, account and caller IP, number types.',
      FRAUD_PANELS,
    ),
  ];
}

export function savedObjectsNdjson(): string {
  return savedObjects()
    .map((o) => JSON.stringify(o))
    .join('\n')
    .concat('\n');
}
