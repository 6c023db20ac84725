//! `sipward ui`: the triage console. Serves alerts, calls, the fraud report and the signature
//! catalog from an `analyze --out-dir` directory or from the analyzer's Elasticsearch indexes.
import { Command, Option } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import { onStopSignals } from '../../../lib/src/signals';
import { commandLogger } from '../command-logger';
import { loadSignatures } from '../../../analyzer/src/engine/load/load-signatures';
import { namespaceError } from '../../../analyzer/src/index/templates';
import { catalogEntries } from '../../../console/src/catalog';
import { DirectoryStore } from '../../../console/src/dir-store';
import { ElasticStore } from '../../../console/src/es-store';
import type { ConsoleStore } from '../../../console/src/model';
import { createConsoleServer } from '../../../console/src/server';
import { readSecretFile } from '../secret-file';

interface UiFlags {
  port: string;
  host: string;
  from?: string;
  elasticsearch?: string;
  namespace: string;
  authTokenFile?: string;
  rules: string[];
  esUsername?: string;
  esPasswordFile?: string;
  esApiKeyFile?: string;
  esCa?: string;
  esInsecure?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SipwardError('SIPWARD_USAGE', `--port ${value} is not a TCP port (0-65535)`);
  }
  return port;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

async function openStore(flags: UiFlags): Promise<ConsoleStore> {
  if (flags.from !== undefined && flags.elasticsearch !== undefined) {
    throw new SipwardError('SIPWARD_USAGE', 'give --from DIR or --elasticsearch URL, not both');
  }
  if (flags.from !== undefined) return DirectoryStore.open(flags.from);
  const node = flags.elasticsearch ?? process.env['SIPWARD_ELASTICSEARCH'];
  if (node === undefined) throw new SipwardError('SIPWARD_USAGE', 'give --from DIR or --elasticsearch URL');
  return openElastic(node, flags);
}

async function openElastic(node: string, flags: UiFlags): Promise<ConsoleStore> {
  const nsError = namespaceError(flags.namespace);
  if (nsError !== undefined) throw new SipwardError('SIPWARD_USAGE', nsError);
  return ElasticStore.open({
    client: {
      node,
      ...(flags.esUsername !== undefined ? { username: flags.esUsername } : {}),
      ...(flags.esPasswordFile !== undefined
        ? { password: readSecretFile(flags.esPasswordFile, 'Elasticsearch password file') }
        : {}),
      ...(flags.esApiKeyFile !== undefined ? { apiKey: readSecretFile(flags.esApiKeyFile, 'API key file') } : {}),
      ...(flags.esCa !== undefined ? { caFile: flags.esCa } : {}),
      ...(flags.esInsecure === true ? { insecure: true } : {}),
      requestTimeoutMs: 10_000,
    },
    namespace: flags.namespace,
  });
}

export function uiCommand(): Command {
  return new Command('ui')
    .description('serve the triage console (alerts, calls, fraud report, signatures) in a browser; read-only')
    .option('--port <port>', 'TCP port (0: any free port)', '8080')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--from <dir>', 'read what `sipward analyze --out-dir DIR` wrote')
    .option('--elasticsearch <url>', 'read the analyzer indexes (default: SIPWARD_ELASTICSEARCH when --from is absent)')
    .option('--namespace <ns>', 'data stream namespace of the indexes', 'default')
    .option('--auth-token-file <file>', 'require this token (Bearer header, or ?token= once in the browser)')
    .option(
      '--rules <dir>',
      'extra signature folder for the catalog page; repeatable',
      (dir: string, all: string[]) => [...all, dir],
      [],
    )
    .option('--es-username <user>', 'Elasticsearch basic auth user')
    .option('--es-password-file <file>', 'file holding the Elasticsearch password')
    .option('--es-api-key-file <file>', 'file holding a base64 Elasticsearch API key')
    .option('--es-ca <file>', 'PEM CA bundle of the Elasticsearch cluster')
    .addOption(new Option('--es-insecure', 'accept any Elasticsearch certificate (labs only)'))
    .action(async (flags: UiFlags, command: Command) => {
      const log = commandLogger(command, 'sipward-ui');
      const port = parsePort(flags.port);
      const authToken =
        flags.authTokenFile === undefined ? undefined : readSecretFile(flags.authTokenFile, 'console token file');
      if (authToken === undefined && !LOOPBACK.has(flags.host)) {
        throw new SipwardError('SIPWARD_USAGE', `--host ${flags.host} is not loopback: give --auth-token-file too`);
      }
      const catalog = catalogEntries(loadSignatures({ extraDirs: flags.rules }));
      const store = await openStore(flags);
      const server = createConsoleServer({ store, catalog, log, ...(authToken !== undefined ? { authToken } : {}) });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            new SipwardError('SIPWARD_USAGE', `cannot listen on ${flags.host}:${port}: ${error.code ?? error.message}`),
          ),
        );
        server.listen(port, flags.host, resolve);
      });
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      const host = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
      // One line on stdout that scripts (and the browser tests) read to find the console.
      process.stdout.write(`sipward ui: http://${host}:${bound}/ (${store.description})\n`);
      log.info({ url: `http://${host}:${bound}/`, source: store.description }, 'console listening');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          server.close(() => resolve());
          server.closeAllConnections();
        };
        onStopSignals(stop, { once: true });
      });
      await store.close();
    });
}
