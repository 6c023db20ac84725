//! Turning ajv errors on a YAML document into `file:line: field: problem` lines: shared by the
//! signature loader and the site configuration. Each caller adds its own words for its formats.
import type { ErrorObject } from 'ajv';

/** A path inside a YAML document: map keys and sequence indexes. */
export type YamlPath = Array<string | number>;

/** Where an error points: an unknown key counts as its own location, not its parent's. */
function errorLocation(e: ErrorObject): string {
  const extra = (e.params as { additionalProperty?: string }).additionalProperty;
  return extra === undefined ? e.instancePath : `${e.instancePath}/${extra}`;
}

/** The YAML path an error concerns (the unknown key itself for `additionalProperties`). */
export function ajvPath(error: ErrorObject): YamlPath {
  const parts = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/');
  const path: YamlPath = parts.map((p) => {
    const unescaped = p.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(unescaped) ? Number(unescaped) : unescaped;
  });
  const params = error.params as { additionalProperty?: string };
  if (params.additionalProperty !== undefined) path.push(params.additionalProperty);
  return path;
}

/** Plain words for an error; `formats` names the caller's own schema definitions (durations, times …). */
export function ajvProblem(error: ErrorObject, formats: ReadonlyArray<[string, string]> = []): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (params.missingProperty !== undefined) return `missing required key "${params.missingProperty}"`;
  if (params.additionalProperty !== undefined) return 'unknown key';
  if (params.allowedValues !== undefined) return `must be one of ${params.allowedValues.join(', ')}`;
  for (const [fragment, words] of formats) if (error.schemaPath.includes(fragment)) return words;
  return error.message ?? 'invalid';
}

/** Keywords that say what is wrong; a bare `type` error from a oneOf branch says least. */
const KEYWORD_RANK: Record<string, number> = { additionalProperties: 0, required: 1, enum: 2, pattern: 3, type: 9 };

/**
 * The errors worth showing: one per failing location, the deepest locations only (oneOf/anyOf
 * summaries and the parents of a deeper failure add nothing), the most telling keyword each.
 * An unknown key is a location of its own, so it is not hidden by a deeper error in the same map.
 */
export function usefulErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  const deepest = specific.filter((e) => {
    const at = errorLocation(e);
    return !specific.some((o) => {
      const other = errorLocation(o);
      return other.length > at.length && other.startsWith(`${at}/`);
    });
  });
  const best = new Map<string, ErrorObject>();
  for (const e of deepest) {
    const at = errorLocation(e);
    const current = best.get(at);
    if (current === undefined || (KEYWORD_RANK[e.keyword] ?? 5) < (KEYWORD_RANK[current.keyword] ?? 5)) {
      best.set(at, e);
    }
  }
  return [...best.values()];
}

/**
 * "line:column" of a YAML parse error: `linePos` is only filled with prettyErrors, so the error's
 * byte offset is turned into a position with the document's LineCounter. The parser notices an
 * unclosed quote or bracket only where the file goes on (or ends); `yamlErrorText` then names the
 * line that opened it.
 */
export function yamlErrorPosition(
  error: { pos: [number, number] },
  lines: { linePos(offset: number): { line: number; col: number } },
): string {
  const { line, col } = lines.linePos(error.pos[0]);
  return `${line}:${col}`;
}

/** The error's first message line, plus where an unclosed quote or bracket was opened. */
export function yamlErrorText(
  error: { pos: [number, number]; message: string },
  lines: { linePos(offset: number): { line: number; col: number } },
  text: string,
): string {
  const message = error.message.split('\n')[0] ?? '';
  if (!/closing|Flow (sequence|mapping)|must end with/i.test(message)) return message;
  const at = lines.linePos(error.pos[0]).line;
  const all = text.split('\n');
  for (let n = Math.min(at, all.length) - 1; n >= 1; n--) {
    const l = (all[n - 1] ?? '').replace(/#.*$/, '');
    const unbalanced =
      l.split('[').length !== l.split(']').length ||
      l.split('{').length !== l.split('}').length ||
      (l.split('"').length - 1) % 2 === 1;
    if (unbalanced) return `${message} (opened on line ${n})`;
  }
  return message;
}
