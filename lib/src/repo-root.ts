//! Where the repository (the installed package) is: the folder holding sipward's package.json.
//! Code runs from src/ (tsx) and from dist/ (tsc) at different depths, so files shipped beside the
//! code — signatures/, JSON schemas, test fixtures — are found from here, never by counting `..`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

function isSipwardPackage(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'sipward';
  } catch {
    return false;
  }
}

/** The repository root; throws when this file is not inside the sipward package. */
export function repoRoot(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (isSipwardPackage(dir)) return (cached = dir);
    if (dirname(dir) === dir) throw new Error(`repository root: no sipward package.json above ${__dirname}`);
  }
}

/** A path inside the repository, e.g. `repoPath('signatures', 'lists')`. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot(), ...parts);
}
