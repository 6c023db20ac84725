//! The Kafka SASL/TLS options `collect` and `analyzer` share; lib/src/kafka/connection checks them.
//! `--kafka` itself stays with each command: its requirement message names the command.
import { Option, type Command } from 'commander';
import { SASL_MECHANISMS, type KafkaConnectionFlags } from '../../lib/src/kafka/connection';

export type KafkaSecurityFlags = Omit<KafkaConnectionFlags, 'kafka'>;

export function addKafkaSecurityOptions(command: Command): Command {
  return command
    .addOption(new Option('--sasl-mechanism <name>', 'Kafka SASL mechanism').choices(SASL_MECHANISMS))
    .option('--sasl-username <user>', 'Kafka SASL user name')
    .option('--sasl-password-file <file>', 'file holding the Kafka SASL password (never on the command line)')
    .option('--tls', 'connect to Kafka with TLS')
    .option('--tls-ca <file>', 'PEM CA bundle of the Kafka brokers (implies --tls)')
    .option('--tls-insecure', 'do not verify the Kafka broker certificate (implies --tls; lab use only)');
}
