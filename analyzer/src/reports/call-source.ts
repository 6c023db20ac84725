//! Where `sipward report fraud` reads call records (I/O edge): JSONL files (`analyze --calls`,
//! `--out-dir`'s calls.jsonl) or the `logs-sipward.call-<ns>` data stream in Elasticsearch.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Client } from '@elastic/elasticsearch';
import type { CallRecord } from '../../../schema/src/call-record';
import { SipwardError } from '../../../lib/src/errors';
import { writeName } from '../index/templates';

function isCallRecord(v: unknown): v is CallRecord {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Partial<CallRecord>;
  return (
    typeof r.call_id === 'string' &&
    typeof r.start === 'string' &&
    typeof r.end === 'string' &&
    typeof r.duration_s === 'number' &&
    typeof r.caller?.ip === 'string' &&
    typeof r.callee === 'object' &&
    Array.isArray(r.alert_ids)
  );
}

/** Every record of the files, in order; a line that is not a call record is an error naming file:line. */
export async function* callsFromFiles(files: readonly string[]): AsyncGenerator<CallRecord> {
  for (const file of files) {
    if (!existsSync(file)) throw new SipwardError('SIPWARD_INPUT_NOT_FOUND', `call records file ${file} not found`);
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `${file}:${n}: not JSON`);
      }
      if (!isCallRecord(value)) throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `${file}:${n}: not a call record`);
      yield value;
    }
  }
}

const PAGE = 2000;

/** Call records of a namespace started in [from, to), paged with search_after on (@timestamp, event.id). */
export async function* callsFromElasticsearch(
  client: Client,
  namespace: string,
  from?: string,
  to?: string,
): AsyncGenerator<CallRecord> {
  const range: Record<string, string> = {};
  if (from !== undefined) range['gte'] = from;
  if (to !== undefined) range['lt'] = to;
  let after: Array<string | number> | undefined;
  for (;;) {
    let res;
    try {
      res = await client.search<CallRecord>({
        index: writeName('call', namespace),
        ignore_unavailable: true,
        size: PAGE,
        sort: [{ '@timestamp': 'asc' }, { 'event.id': 'asc' }],
        query: Object.keys(range).length > 0 ? { range: { '@timestamp': range } } : { match_all: {} },
        ...(after !== undefined ? { search_after: after } : {}),
      });
    } catch (error) {
      throw new SipwardError(
        'SIPWARD_INDEX_UNAVAILABLE',
        `cannot read call records from Elasticsearch: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    const hits = res.hits.hits;
    for (const hit of hits) if (hit._source !== undefined && isCallRecord(hit._source)) yield hit._source;
    if (hits.length < PAGE) return;
    after = hits[hits.length - 1]?.sort as Array<string | number>;
  }
}
