//! Reads `signatures/**/signature.yaml` (+ expect.yaml for `rules validate|test`) from the built-in folder and any `--rules`
//! folders (later folders add or override by id), validates each against signature.schema.json and
//! the semantic rules of signatures/README.md, and reports problems as "<file>:<line>: <field>: …".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { SipwardError } from '../../../../lib/src/errors';
import { FIELD_ROOTS, SpecError } from '../compile/compile';
import { unknownFieldProblem } from '../compile/known-fields';
import { ajvPath, ajvProblem, usefulErrors, yamlErrorPosition, yamlErrorText, type YamlPath } from './schema-errors';
import { compileSignature } from '../compile/compile-signature';
import type { Severity } from '../../../../schema/src/alert';
import type { Escalation, ExpectEntry, LoadedSignature, PredicateSpec, Signature, SignatureKind } from '../signature';
import { repoPath } from '../../../../lib/src/repo-root';

export interface LoadOptions {
  /** Extra folders (`--rules DIR`), applied after the built-in one; same id overrides. */
  extraDirs?: readonly string[];
  /** Replace the built-in folder (tests); default: the repository's `signatures/`. */
  baseDir?: string;
  /** Skip the built-in folder entirely (only `extraDirs`). */
  noBaseDir?: boolean;
  /**
   * Read expect.yaml and demand ≥1 positive and ≥1 negative fixture (`rules validate` / `rules test`).
   * Without it expect.yaml is not read at all (LoadedSignature.expect stays undefined).
   */
  requireFixtures?: boolean;
}

const ID_PATTERN = /^SIP-[A-Z]+-\d\d$/;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const STRING_LIST_KEYS = new Set(['equals', 'ci_contains', 'ci_prefix', 'ci_equals', 'cidr', 'not_cidr']);

/** Kind → keys it cannot do without (README "Kinds"). */
const REQUIRED_BY_KIND: Record<SignatureKind, readonly string[]> = {
  stateless: [],
  event_count: ['where', 'window', 'threshold'],
  value_count: ['where', 'field', 'window', 'threshold'],
  ratio: ['numerator', 'denominator', 'min_events', 'window', 'threshold'],
  sequence: ['steps', 'window'],
  half_open: ['where', 'timeout', 'window', 'threshold'],
  concurrent: ['start', 'end', 'item', 'threshold'],
  baseline: ['where', 'learning'],
};

/** The repository's `signatures/` folder. */
export function defaultSignaturesDir(): string {
  const dir = repoPath('signatures');
  if (!existsSync(join(dir, 'signature.schema.json')))
    throw new SipwardError('SIPWARD_RULES_INVALID', `signatures folder not found: ${dir}`);
  return dir;
}

let validator: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (validator === undefined) {
    const schemaFile = join(defaultSignaturesDir(), 'signature.schema.json');
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    validator = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
  }
  return validator;
}

/** Parses "60s" / "5m" / "500ms" / "1h", or a bare number of seconds, to milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value);
  if (m === null) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  return ms > 0 ? ms : undefined;
}

/** `signature.yml` is accepted like `signature.yaml` (both in one folder is an error). */
const SIGNATURE_FILE_NAMES: ReadonlySet<string> = new Set(['signature.yaml', 'signature.yml']);

function findFiles(root: string, names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir === root && entry.name === 'lists') continue;
        visit(full);
      } else if (names.has(entry.name)) out.push(full);
    }
  };
  visit(root);
  return out;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** One parsed YAML file with a way to turn a document path into a line number. */
class YamlFile {
  readonly doc: Document;
  readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
  }

  /** The file parsed, or undefined with one `file:line: (yaml): …` line per syntax error appended. */
  static read(file: string, errors: string[]): YamlFile | undefined {
    const yaml = new YamlFile(file, readFileSync(file, 'utf8'));
    for (const e of yaml.doc.errors) {
      errors.push(
        `${displayPath(file)}:${yamlErrorPosition(e, yaml.lines)}: (yaml): ${yamlErrorText(e, yaml.lines, yaml.text)}`,
      );
    }
    return yaml.doc.errors.length > 0 ? undefined : yaml;
  }

  lineOf(path: YamlPath): number {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) {
        // Point at the key's line for a map entry: the value may start on the next line.
        if (n > 0) {
          const parent = n === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, n - 1), true);
          if (isMap(parent)) {
            const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === path[n - 1]);
            const keyRange = (pair?.key as { range?: [number, number, number] } | null)?.range;
            if (keyRange !== undefined) return this.lines.linePos(keyRange[0]).line;
          } else if (isSeq(parent)) return this.lines.linePos(range[0]).line;
        }
        return this.lines.linePos(range[0]).line;
      }
    }
    return 1;
  }

  error(path: YamlPath, problem: string): string {
    const field = path.length === 0 ? '(document)' : path.join('.');
    return `${displayPath(this.file)}:${this.lineOf(path)}: ${field}: ${problem}`;
  }
}

const SIGNATURE_FORMATS: ReadonlyArray<[string, string]> = [
  ['/duration/', 'not a duration (500ms, 60s, 5m, 1h, 7d or seconds)'],
];

/** Reads a named list: one entry per line (.txt) or first column (.tsv); `#` starts a comment. */
function readList(name: string, dirs: readonly string[]): string[] | undefined {
  for (const dir of dirs) {
    for (const ext of ['.txt', '.tsv']) {
      const file = join(dir, 'lists', `${name}${ext}`);
      if (!existsSync(file)) continue;
      const entries: string[] = [];
      for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
        const line = raw.replace(/\s+#.*$/, '').trim();
        if (line === '' || line.startsWith('#')) continue;
        entries.push(ext === '.tsv' ? (line.split('\t')[0] ?? '').trim() : line);
      }
      return entries;
    }
  }
  return undefined;
}

/** Replaces `{ list: name }` inside predicates with the list's entries; reports unknown lists. */
interface Problem {
  path: YamlPath;
  problem: string;
}

function inlineLists(spec: unknown, path: YamlPath, listDirs: readonly string[], errors: Problem[]): unknown {
  if (Array.isArray(spec)) return spec.map((item, i) => inlineLists(item, [...path, i], listDirs, errors));
  if (spec === null || typeof spec !== 'object') return spec;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec as Record<string, unknown>)) {
    const at = [...path, key];
    const listName =
      key === 'list' && typeof value === 'string'
        ? value
        : STRING_LIST_KEYS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as { list?: unknown }).list
          : undefined;
    if (typeof listName === 'string') {
      const entries = readList(listName, listDirs);
      if (entries === undefined || entries.length === 0) {
        errors.push({ path: at, problem: `named list "${listName}" not found (or empty) in lists/` });
        out[key] = ['\u0000no-such-list'];
      } else out[key] = entries;
      continue;
    }
    out[key] = inlineLists(value, at, listDirs, errors);
  }
  return out;
}

function normaliseThreshold(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { gte?: unknown }).gte === 'number') {
    return (value as { gte: number }).gte;
  }
  return undefined;
}

/** Checks one signature.yaml; returns the signature, or undefined with `errors` appended. */
function loadOne(file: string, listDirs: readonly string[], errors: string[]): Signature | undefined {
  const yaml = YamlFile.read(file, errors);
  if (yaml === undefined) return undefined;
  const raw: unknown = yaml.doc.toJS();
  const validate = schemaValidator();
  if (!validate(raw)) {
    const found = usefulErrors(validate.errors ?? []);
    if (found.length === 0) errors.push(yaml.error([], 'invalid'));
    for (const e of found) errors.push(yaml.error(ajvPath(e), ajvProblem(e, SIGNATURE_FORMATS)));
    return undefined;
  }
  const doc = raw as Record<string, unknown>;
  const before = errors.length;
  const fail = (path: YamlPath, problem: string): void => {
    errors.push(yaml.error(path, problem));
  };
  const id = String(doc.id);
  if (!ID_PATTERN.test(id)) fail(['id'], 'must look like SIP-FAM-NN');
  const folder = basename(dirname(file));
  if (folder !== id) fail(['id'], `must equal its folder name "${folder}"`);
  const kind = doc.kind as SignatureKind;
  for (const key of REQUIRED_BY_KIND[kind]) if (doc[key] === undefined) fail([], `kind ${kind} needs "${key}"`);
  const durations: Record<string, number | undefined> = {};
  for (const key of ['window', 'suppress', 'timeout', 'max_duration', 'learning']) {
    if (doc[key] === undefined) continue;
    durations[key] = parseDuration(doc[key]);
    if (durations[key] === undefined) fail([key], `not a duration: ${String(doc[key])}`);
  }
  const threshold = normaliseThreshold(doc.threshold);
  if (threshold !== undefined && kind !== 'ratio' && !Number.isInteger(threshold)) {
    fail(['threshold'], 'must be a whole number for this kind');
  }
  const listProblems: Problem[] = [];
  const predicate = (key: string): PredicateSpec | undefined =>
    doc[key] === undefined ? undefined : (inlineLists(doc[key], [key], listDirs, listProblems) as PredicateSpec);
  const escalate = Array.isArray(doc.escalate)
    ? (doc.escalate as Array<{ severity: Severity; when: unknown; group_by?: string[]; reason: string }>).map(
        (e, i): Escalation => ({
          severity: e.severity,
          when: inlineLists(e.when, ['escalate', i, 'when'], listDirs, listProblems) as PredicateSpec,
          ...(e.group_by !== undefined ? { group_by: e.group_by } : {}),
          reason: e.reason,
        }),
      )
    : undefined;
  const steps = Array.isArray(doc.steps)
    ? (doc.steps as Array<{ where: unknown; min_count?: number }>).map((step, i) => ({
        where: inlineLists(step.where, ['steps', i, 'where'], listDirs, listProblems) as PredicateSpec,
        min_count: step.min_count ?? 1,
      }))
    : undefined;
  const signature: Signature = {
    id,
    name: String(doc.name),
    version: Number(doc.version),
    status: doc.status as Signature['status'],
    fs38_theme: Array.isArray(doc.fs38_theme) ? (doc.fs38_theme as string[]) : [String(doc.fs38_theme)],
    category: String(doc.category),
    event_category: (doc.event_category as string[] | undefined) ?? ['intrusion_detection', 'network'],
    ...(doc.action !== undefined ? { action: String(doc.action) } : {}),
    severity: doc.severity as Signature['severity'],
    ...(doc.risk_score !== undefined ? { risk_score: Number(doc.risk_score) } : {}),
    ...(doc.attack !== undefined ? { attack: doc.attack as Signature['attack'] } : {}),
    ...(doc.description !== undefined ? { description: String(doc.description) } : {}),
    ...(doc.false_positives !== undefined ? { false_positives: doc.false_positives as string[] } : {}),
    ...(doc.references !== undefined ? { references: doc.references as string[] } : {}),
    kind,
    ...(doc.where !== undefined ? { where: predicate('where') } : {}),
    group_by: (doc.group_by as string[] | undefined) ?? [],
    ...(durations.window !== undefined ? { windowMs: durations.window } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    // Default suppress: the window (or 5 min for stateless), so a sustained attack is one incident.
    suppressMs: durations.suppress ?? durations.window ?? 300_000,
    ...(doc.allowlist !== undefined ? { allowlist: predicate('allowlist') } : {}),
    message: String(doc.message),
    ...(doc.count_retransmissions === true ? { count_retransmissions: true } : {}),
    ...(doc.field !== undefined ? { field: String(doc.field) } : {}),
    ...(doc.numerator !== undefined ? { numerator: predicate('numerator') } : {}),
    ...(doc.denominator !== undefined ? { denominator: predicate('denominator') } : {}),
    ...(doc.min_events !== undefined ? { min_events: Number(doc.min_events) } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(durations.timeout !== undefined ? { timeoutMs: durations.timeout } : {}),
    ...(doc.start !== undefined ? { start: predicate('start') } : {}),
    ...(doc.end !== undefined ? { end: predicate('end') } : {}),
    ...(doc.item !== undefined ? { item: String(doc.item) } : {}),
    ...(durations.max_duration !== undefined ? { maxDurationMs: durations.max_duration } : {}),
    ...(doc.requires_site === true ? { requires_site: true } : {}),
    ...(escalate !== undefined ? { escalate } : {}),
    ...(doc.baseline !== undefined ? { baseline: doc.baseline as Signature['baseline'] } : {}),
    ...(durations.learning !== undefined ? { learningMs: durations.learning } : {}),
    ...(doc.judge !== undefined ? { judge: predicate('judge') } : {}),
    ...(doc.min_samples !== undefined ? { min_samples: Number(doc.min_samples) } : {}),
    ...(doc.ip_prefix !== undefined ? { ip_prefix: Number(doc.ip_prefix) } : {}),
    ...(doc.factor !== undefined ? { factor: Number(doc.factor) } : {}),
    ...(doc.scales_with !== undefined ? { scales_with: doc.scales_with as Signature['scales_with'] } : {}),
  };
  for (const { path, problem } of listProblems) fail(path, problem);
  if (kind === 'baseline' && (signature.baseline ?? 'new_value') === 'new_value' && signature.field === undefined) {
    fail([], 'kind baseline (new_value) needs "field"');
  }
  (signature.escalate ?? []).forEach((e, i) => {
    if (e.group_by !== undefined && e.group_by.length !== signature.group_by.length) {
      fail(['escalate', i, 'group_by'], `must name as many fields as group_by (${signature.group_by.length})`);
    }
  });
  for (const [key, path] of [
    ...(signature.escalate ?? []).flatMap((e, i) =>
      (e.group_by ?? []).map((g, j): [string, YamlPath] => [g, ['escalate', i, 'group_by', j]]),
    ),
    ...signature.group_by.map((g, i): [string, YamlPath] => [g, ['group_by', i]]),
    ...(signature.field !== undefined ? [[signature.field, ['field']] as [string, YamlPath]] : []),
    ...(signature.item !== undefined ? [[signature.item, ['item']] as [string, YamlPath]] : []),
  ]) {
    const root = key.split('.')[0] ?? '';
    if (!FIELD_ROOTS.has(root)) {
      fail(path, `unknown field root "${root}"`);
      continue;
    }
    const unknown = unknownFieldProblem(key);
    if (unknown !== undefined) fail(path, unknown);
  }
  if (errors.length === before) {
    try {
      compileSignature(signature);
    } catch (error) {
      if (error instanceof SpecError) fail([...error.path], error.message);
      else fail([], (error as Error).message);
    }
  }
  return errors.length === before ? signature : undefined;
}

function loadExpect(dir: string, errors: string[], requireFixtures: boolean): ExpectEntry[] | undefined {
  const file = join(dir, 'expect.yaml');
  if (!existsSync(file)) {
    if (requireFixtures) errors.push(`${displayPath(file)}:1: (file): missing expect.yaml (fixtures are required)`);
    return undefined;
  }
  const yaml = YamlFile.read(file, errors);
  if (yaml === undefined) return undefined;
  const raw: unknown = yaml.doc.toJS();
  if (!Array.isArray(raw)) {
    errors.push(yaml.error([], 'expected a list of { fixture, alerts, match? }'));
    return undefined;
  }
  const entries: ExpectEntry[] = [];
  raw.forEach((item: unknown, i) => {
    const entry = item as Partial<ExpectEntry> | null;
    if (entry === null || typeof entry !== 'object' || typeof entry.fixture !== 'string') {
      errors.push(yaml.error([i], 'expected { fixture: <path>, alerts: <n>, match?: {...} }'));
      return;
    }
    if (typeof entry.alerts !== 'number' || !Number.isInteger(entry.alerts) || entry.alerts < 0) {
      errors.push(yaml.error([i, 'alerts'], 'expected a whole number ≥ 0'));
      return;
    }
    if (entry.match !== undefined && (entry.match === null || typeof entry.match !== 'object')) {
      errors.push(yaml.error([i, 'match'], 'expected a map of alert field → value'));
      return;
    }
    if (!existsSync(resolve(dir, entry.fixture))) {
      errors.push(yaml.error([i, 'fixture'], `fixture file not found: ${entry.fixture}`));
      return;
    }
    if (entry.site !== undefined && entry.site !== 'none') {
      errors.push(yaml.error([i, 'site'], 'expected "none" (run without the fixture world\'s site knowledge)'));
      return;
    }
    entries.push({
      fixture: entry.fixture,
      alerts: entry.alerts,
      ...(entry.match ? { match: entry.match } : {}),
      ...(entry.site === 'none' ? { site: 'none' as const } : {}),
    });
  });
  if (requireFixtures) {
    if (!entries.some((e) => e.alerts > 0)) errors.push(yaml.error([], 'needs ≥1 positive fixture (alerts > 0)'));
    if (!entries.some((e) => e.alerts === 0)) errors.push(yaml.error([], 'needs ≥1 negative fixture (alerts: 0)'));
  }
  return entries;
}

/** Validates without throwing: the signatures that loaded and every problem found. */
export function checkSignatures(options: LoadOptions = {}): { signatures: LoadedSignature[]; errors: string[] } {
  const base = options.noBaseDir === true ? undefined : resolve(options.baseDir ?? defaultSignaturesDir());
  const roots = [...(base !== undefined ? [base] : []), ...(options.extraDirs ?? []).map((d) => resolve(d))];
  const byId = new Map<string, LoadedSignature>();
  const errors: string[] = [];
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      errors.push(`${displayPath(root)}:1: (folder): rules folder not found`);
      continue;
    }
    const seen = new Map<string, string>();
    const listDirs = base !== undefined && base !== root ? [root, base] : [root];
    const files = findFiles(root, SIGNATURE_FILE_NAMES);
    // A rules folder that holds no signature is a mistake (wrong path, files named otherwise).
    if (files.length === 0) {
      errors.push(`${displayPath(root)}:1: (folder): no signature.yaml (or signature.yml) in this rules folder`);
    }
    const folders = new Map<string, string>();
    for (const file of files) {
      const other = folders.get(dirname(file));
      if (other !== undefined) {
        errors.push(
          `${displayPath(file)}:1: (file): both ${basename(other)} and ${basename(file)} in one folder; keep one`,
        );
        continue;
      }
      folders.set(dirname(file), file);
    }
    for (const file of [...folders.values()]) {
      let signature: Signature | undefined;
      try {
        signature = loadOne(file, listDirs, errors);
      } catch (error) {
        errors.push(`${displayPath(file)}:1: (file): ${(error as Error).message}`);
      }
      if (signature === undefined) continue;
      const other = seen.get(signature.id);
      if (other !== undefined) {
        errors.push(`${displayPath(file)}:1: id: duplicate id ${signature.id} (also in ${displayPath(other)})`);
        continue;
      }
      seen.set(signature.id, file);
      const dir = dirname(file);
      // Fixtures matter to `rules validate` / `rules test` only: analyze and the daemons skip them
      // (reading 40 expect.yaml files was a fifth of analyze's start-up).
      const expect = options.requireFixtures === true ? loadExpect(dir, errors, true) : undefined;
      byId.set(signature.id, { signature, file, dir, ...(expect !== undefined ? { expect } : {}) });
    }
  }
  const signatures = [...byId.values()].sort((a, b) => a.signature.id.localeCompare(b.signature.id));
  return { signatures, errors };
}

/** Loads and validates; any problem is one SipwardError listing every "<file>:<line>: <field>: …". */
export function loadSignatures(options: LoadOptions = {}): LoadedSignature[] {
  const { signatures, errors } = checkSignatures(options);
  if (errors.length > 0) throw new SipwardError('SIPWARD_RULES_INVALID', errors.join('\n'));
  return signatures;
}
