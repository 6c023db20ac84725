//! Output files of `decode`/`analyze` (`--out`, `--calls`): opened before any work starts, so a
//! path that cannot be written is one clear line and exit 2, not an error halfway through.
import { createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { SipwardError } from '../../lib/src/errors';

export function openOutputFile(path: string, what: string): Writable {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new SipwardError('SIPWARD_OUTPUT_UNWRITABLE', `cannot write ${what} to ${path}: ${reason}`, { cause: error });
  }
  return createWriteStream(path, { fd });
}
