//! `sipward kibana import|export`: the Kibana saved objects (data views, SOC and fraud dashboards)
//! of kibana/sipward.ndjson — loaded into a Kibana, or printed (to regenerate the committed file).
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import { importSavedObjects } from '../../../console/src/kibana/import';
import { savedObjectsNdjson } from '../../../console/src/kibana/saved-objects';
import { openOutputFile } from '../output-file';
import { readSecretFile } from '../secret-file';
import { defaultSignaturesDir } from '../../../analyzer/src/engine/load/load-signatures';

interface ImportFlags {
  kibana: string;
  file?: string;
  space?: string;
  username?: string;
  passwordFile?: string;
  apiKeyFile?: string;
}

/** kibana/sipward.ndjson of this installation: beside signatures/, found the same way. */
export function committedNdjsonPath(): string {
  return join(dirname(defaultSignaturesDir()), 'kibana', 'sipward.ndjson');
}

export function kibanaCommand(): Command {
  const kibana = new Command('kibana').description(
    'Kibana saved objects: data views, SOC overview and fraud dashboards',
  );
  kibana
    .command('import')
    .description("load the saved objects into Kibana (POST /api/saved_objects/_import, overwriting sipward's own ids)")
    .requiredOption('--kibana <url>', 'Kibana base URL, e.g. http://127.0.0.1:5601')
    .option('--file <ndjson>', 'saved objects to load (default: the kibana/sipward.ndjson shipped with sipward)')
    .option('--space <id>', 'Kibana space (default: the default space)')
    .option('--username <user>', 'basic auth user')
    .option('--password-file <file>', 'file holding the password')
    .option('--api-key-file <file>', 'file holding a base64 API key')
    .action(async (flags: ImportFlags) => {
      const path = flags.file ?? committedNdjsonPath();
      const ndjson = readSecretFile(path, 'saved objects file');
      const result = await importSavedObjects({
        kibana: flags.kibana,
        ndjson,
        ...(flags.space !== undefined ? { space: flags.space } : {}),
        ...(flags.username !== undefined ? { username: flags.username } : {}),
        ...(flags.passwordFile !== undefined ? { password: readSecretFile(flags.passwordFile, 'password file') } : {}),
        ...(flags.apiKeyFile !== undefined ? { apiKey: readSecretFile(flags.apiKeyFile, 'API key file') } : {}),
      });
      process.stdout.write(`sipward kibana import: ${result.successCount} object(s) imported into ${flags.kibana}\n`);
      if (result.errors.length > 0) {
        throw new SipwardError(
          'SIPWARD_CONFIG_INVALID',
          `Kibana rejected ${result.errors.length} object(s): ${result.errors.join('; ')}`,
        );
      }
    });
  kibana
    .command('export')
    .description('print the saved objects as NDJSON (the source of kibana/sipward.ndjson)')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action((flags: { out?: string }) => {
      const out = flags.out === undefined ? process.stdout : openOutputFile(flags.out, 'saved objects');
      out.write(savedObjectsNdjson());
      if (flags.out !== undefined) out.end();
    });
  return kibana;
}
