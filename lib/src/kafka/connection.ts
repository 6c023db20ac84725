//! Collector → Kafka connection settings: broker list, SASL and TLS from command-line values,
//! checked once at start (one clear SIPWARD_USAGE line for a bad combination). Pure apart from
//! reading the password and CA files through the `readFile` it is given.
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { SipwardError } from '../errors';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

export type Compression = 'gzip' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'none'];

/** What the command line says about the connection. */
export interface KafkaConnectionFlags {
  kafka: string;
  saslMechanism?: SaslMechanism;
  saslUsername?: string;
  saslPasswordFile?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsInsecure?: boolean;
}

/** The connection part of kafkajs' KafkaConfig. */
export interface KafkaConnection {
  brokers: string[];
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

/** "host:port,host:port" → ["host:port", ...]; every entry needs a host and a port 1..65535. */
export function parseBrokers(list: string): string[] {
  const brokers = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (brokers.length === 0)
    throw new SipwardError('SIPWARD_USAGE', 'collect needs --kafka host:port (or SIPWARD_KAFKA)');
  for (const broker of brokers) {
    const i = broker.lastIndexOf(':');
    const port = Number(broker.slice(i + 1));
    if (i <= 0 || !/^\d+$/.test(broker.slice(i + 1)) || port < 1 || port > 65535)
      throw new SipwardError('SIPWARD_USAGE', `--kafka: not host:port: ${broker}`);
  }
  return brokers;
}

/**
 * Builds brokers, SASL and TLS settings. SASL without TLS is allowed (some labs run SASL_PLAINTEXT)
 * but the password always comes from a file, never the command line (it would show in `ps`).
 */
export function kafkaConnection(flags: KafkaConnectionFlags, readFile: (path: string) => string): KafkaConnection {
  const out: KafkaConnection = { brokers: parseBrokers(flags.kafka) };
  const saslGiven =
    flags.saslMechanism !== undefined || flags.saslUsername !== undefined || flags.saslPasswordFile !== undefined;
  if (saslGiven) {
    if (flags.saslMechanism === undefined || flags.saslUsername === undefined || flags.saslPasswordFile === undefined)
      throw new SipwardError(
        'SIPWARD_USAGE',
        'SASL needs --sasl-mechanism, --sasl-username and --sasl-password-file together',
      );
    const password = readSecret(flags.saslPasswordFile, 'SASL password', readFile);
    if (password.length === 0)
      throw new SipwardError('SIPWARD_USAGE', `${flags.saslPasswordFile}: empty SASL password`);
    out.sasl = { mechanism: flags.saslMechanism, username: flags.saslUsername, password };
  }
  const tlsGiven = flags.tls === true || flags.tlsCa !== undefined || flags.tlsInsecure === true;
  if (tlsGiven) {
    const ssl: ConnectionOptions = {};
    if (flags.tlsCa !== undefined) ssl.ca = [readSecret(flags.tlsCa, 'TLS CA', readFile, false)];
    if (flags.tlsInsecure === true) ssl.rejectUnauthorized = false;
    out.ssl = Object.keys(ssl).length === 0 ? true : ssl;
  }
  return out;
}

function readSecret(path: string, what: string, readFile: (path: string) => string, trim = true): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SipwardError(
      code === 'ENOENT' ? 'SIPWARD_INPUT_NOT_FOUND' : 'SIPWARD_INPUT_UNREADABLE',
      `${path}: cannot read the ${what} file (${code ?? String(error)})`,
    );
  }
  // A password file usually ends with a newline the password does not contain.
  return trim ? text.replace(/\r?\n$/, '') : text;
}
