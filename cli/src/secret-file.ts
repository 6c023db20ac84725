//! Secrets given as files (`--*-password-file`, `--*-api-key-file`, `--auth-token-file`): read and
//! trimmed, with one clear error when the file cannot be read or is empty.
import { readFileSync } from 'node:fs';
import { SipwardError } from '../../lib/src/errors';

export function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `cannot read ${what} ${file}: ${reason}`, { cause: error });
  }
  if (text === '') throw new SipwardError('SIPWARD_CONFIG_INVALID', `${what} ${file} is empty`);
  return text;
}
