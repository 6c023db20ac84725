//! `--config FILE` for `analyze` and `analyzer` (config/README.md): one YAML document with an
//! `engine:` section (state bounds) and a `site:` section (site knowledge). Validated as a whole
//! by the site schema (which knows both sections), errors as `file:line: field: problem`.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SipwardError } from '../../lib/src/errors';
import { parseSiteConfig, type SiteConfig } from './site/site-config';
import { parseTuningConfig, type TuningConfig } from './tuning/tuning-config';

export interface AnalyzerConfig {
  maxGroupsPerSignature?: number;
  maxTransactions?: number;
  maxDialogs?: number;
  /** Present when the file has a `site:` section. */
  site?: SiteConfig;
  /** `tuning:` / `suppress:` entries (config/README.md "Tuning"); present when either section is. */
  tuning?: TuningConfig;
}

export function loadAnalyzerConfig(path: string): AnalyzerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SipwardError(
      code === 'ENOENT' ? 'SIPWARD_INPUT_NOT_FOUND' : 'SIPWARD_INPUT_UNREADABLE',
      `${path}: cannot read the configuration (${code ?? (error as Error).message})`,
    );
  }
  const site = parseSiteConfig(text, path);
  const doc = (parseYaml(text) ?? {}) as {
    engine?: Record<string, number> | null;
    site?: unknown;
    tuning?: unknown;
    suppress?: unknown;
  };
  const tuning =
    doc.tuning !== undefined || doc.suppress !== undefined
      ? parseTuningConfig(text, path, doc.site !== undefined ? site : undefined)
      : undefined;
  const engine = doc.engine ?? {};
  return {
    ...(engine.max_groups_per_signature !== undefined
      ? { maxGroupsPerSignature: engine.max_groups_per_signature }
      : {}),
    ...(engine.max_transactions !== undefined ? { maxTransactions: engine.max_transactions } : {}),
    ...(engine.max_dialogs !== undefined ? { maxDialogs: engine.max_dialogs } : {}),
    ...(doc.site !== undefined ? { site } : {}),
    ...(tuning !== undefined ? { tuning } : {}),
  };
}
