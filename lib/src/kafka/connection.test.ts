import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipwardError } from '../errors';
import { kafkaConnection, parseBrokers } from './connection';

const files: Record<string, string> = {
  '/secrets/pw': 's3cret\n',
  '/secrets/empty': '\n',
  '/tls/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};
function readFile(path: string): string {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
}

function usageError(code = 'SIPWARD_USAGE', message?: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof SipwardError && e.code === code && (message === undefined || message.test(e.message));
}

void test('parseBrokers splits, trims and checks host:port', () => {
  assert.deepEqual(parseBrokers('127.0.0.1:9092'), ['127.0.0.1:9092']);
  assert.deepEqual(parseBrokers(' a:1 , b.example:9093,'), ['a:1', 'b.example:9093']);
  assert.deepEqual(parseBrokers('[::1]:9092'), ['[::1]:9092']);
  for (const bad of ['', ',', 'localhost', ':9092', 'host:', 'host:0', 'host:65536', 'host:90x'])
    assert.throws(() => parseBrokers(bad), usageError(), bad);
});

void test('no SASL, no TLS: brokers only', () => {
  assert.deepEqual(kafkaConnection({ kafka: 'k:9092' }, readFile), { brokers: ['k:9092'] });
});

void test('SASL: mechanism, user and password file together; the trailing newline is not the password', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const c = kafkaConnection(
      { kafka: 'k:9092', saslMechanism: mechanism, saslUsername: 'collector', saslPasswordFile: '/secrets/pw' },
      readFile,
    );
    assert.deepEqual(c.sasl, { mechanism, username: 'collector', password: 's3cret' });
    assert.equal(c.ssl, undefined, 'SASL alone does not switch TLS on');
  }
});

void test('SASL: a missing part, a missing file or an empty password is one clear error', () => {
  assert.throws(
    () => kafkaConnection({ kafka: 'k:1', saslMechanism: 'plain', saslUsername: 'u' }, readFile),
    usageError('SIPWARD_USAGE', /--sasl-password-file/),
  );
  assert.throws(
    () => kafkaConnection({ kafka: 'k:1', saslUsername: 'u', saslPasswordFile: '/secrets/pw' }, readFile),
    usageError(),
  );
  assert.throws(
    () =>
      kafkaConnection({ kafka: 'k:1', saslMechanism: 'plain', saslUsername: 'u', saslPasswordFile: '/nope' }, readFile),
    usageError('SIPWARD_INPUT_NOT_FOUND', /\/nope/),
  );
  assert.throws(
    () =>
      kafkaConnection(
        { kafka: 'k:1', saslMechanism: 'plain', saslUsername: 'u', saslPasswordFile: '/secrets/empty' },
        readFile,
      ),
    usageError('SIPWARD_USAGE', /empty/),
  );
});

void test('TLS: --tls alone, with a CA, insecure; a CA or insecure implies TLS', () => {
  assert.equal(kafkaConnection({ kafka: 'k:1', tls: true }, readFile).ssl, true);
  assert.deepEqual(kafkaConnection({ kafka: 'k:1', tlsCa: '/tls/ca.pem' }, readFile).ssl, {
    ca: [files['/tls/ca.pem']],
  });
  assert.deepEqual(kafkaConnection({ kafka: 'k:1', tls: true, tlsInsecure: true }, readFile).ssl, {
    rejectUnauthorized: false,
  });
  assert.throws(
    () => kafkaConnection({ kafka: 'k:1', tlsCa: '/missing.pem' }, readFile),
    usageError('SIPWARD_INPUT_NOT_FOUND'),
  );
});

void test('SASL over TLS', () => {
  const c = kafkaConnection(
    {
      kafka: 'a:9093,b:9093',
      saslMechanism: 'scram-sha-512',
      saslUsername: 'u',
      saslPasswordFile: '/secrets/pw',
      tlsCa: '/tls/ca.pem',
    },
    readFile,
  );
  assert.deepEqual(c.brokers, ['a:9093', 'b:9093']);
  assert.equal(c.sasl?.mechanism, 'scram-sha-512');
  assert.ok(typeof c.ssl === 'object');
});
