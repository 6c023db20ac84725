//! Scratch directories for tests, one helper for every package (tests of analyzer, collectors, cli
//! and console import it from here rather than from each other).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the system temp dir; the prefix names the test that made it. */
export function tempDir(prefix = 'sipward-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
