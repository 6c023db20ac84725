//! The signature catalog as the console shows it, from the loaded signature files.
import { SEVERITY_NUMBER } from '../../schema/src/alert';
import type { LoadedSignature } from '../../analyzer/src/engine/signature';
import type { CatalogEntry } from './pages/report-pages';

export function catalogEntries(signatures: readonly LoadedSignature[]): CatalogEntry[] {
  return signatures
    .map(({ signature: s }) => ({
      id: s.id,
      name: s.name,
      severity: SEVERITY_NUMBER[s.severity],
      themes: s.fs38_theme,
      kind: s.kind,
      ...(s.threshold !== undefined ? { threshold: s.threshold } : {}),
      ...(s.windowMs !== undefined ? { windowMs: s.windowMs } : {}),
      status: s.status,
      requiresSite: s.requires_site === true,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Every FS.38 theme some signature names, sorted: the alert list's theme filter. */
export function catalogThemes(catalog: readonly CatalogEntry[]): string[] {
  return [...new Set(catalog.flatMap((c) => c.themes))].sort();
}
