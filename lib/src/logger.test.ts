import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultLogFormat, prettyDestination, prettyLine } from './logger';

void test('pretty format: one line per record with time, level, name, message and key=value fields', () => {
  const lines: string[] = [];
  const log = pino(
    { name: 'sipward-decode', base: { pid: 1 } },
    prettyDestination((t) => lines.push(t)),
  );
  log.warn({ code: 'truncated_record', file: '/tmp/a b.pcap', summary: { packets: 3 } }, 'file ends\ninside a record');
  assert.equal(lines.length, 1);
  const line = lines[0] ?? '';
  assert.ok(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, 'exactly one line');
  assert.match(
    line,
    /^\d\d:\d\d:\d\d\.\d{3} WARN {2}sipward-decode: file ends inside a record code=truncated_record file="\/tmp\/a b\.pcap" summary=\{"packets":3\}\n$/,
  );
});

void test('pretty format passes through what is not a JSON record', () => {
  assert.equal(prettyLine('not json\n'), 'not json');
});

void test('default log format: pretty on a terminal, json otherwise', () => {
  assert.equal(defaultLogFormat(true), 'pretty');
  assert.equal(defaultLogFormat(false), 'json');
});
