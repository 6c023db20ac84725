// Call ↔ alert links through the real pipeline (issue 15): on the toll-fraud capture, every FRD
// alert the analyzer indexes names every call it counted (`sipward.call_ids`), and each of those
// call records in Elasticsearch names the alert back (`alert_ids`), whichever was indexed first.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Alert } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';
import { indexed, pipelineTopic, ROOT, startAnalyzer, startCollector, pipelineSuite } from './pipeline-harness';

const TOLL_FRAUD = join(ROOT, 'test', 'fixtures', 'attacks', 'fs-toll-fraud.pcap');

void describe('pipeline: call records and alerts link both ways', { timeout: 300_000 }, () => {
  const running = pipelineSuite();

  void test('every FRD alert links to every call it counted, and those calls link back', async () => {
    const n = await pipelineTopic('lk');
    running.push(startCollector({ topic: n.topic, files: [TOLL_FRAUD] }));
    const analyzer = startAnalyzer(n);
    running.push(analyzer);
    const deadline = Date.now() + 150_000;
    let unlinked: string[] = ['(nothing indexed yet)'];
    let frd: Alert[] = [];
    while (Date.now() < deadline) {
      const alerts = await indexed<Alert>('alert', n.namespace);
      const calls = await indexed<CallRecord>('call', n.namespace);
      const byCallId = new Map([...calls.values()].map((c) => [c.call_id, c]));
      frd = [...alerts.values()].filter((a) => a.rule.id.startsWith('SIP-FRD-'));
      unlinked = [];
      for (const alert of frd) {
        const counted = (alert.sipward.call_ids ?? []).filter((id) => byCallId.has(id));
        if (alert.rule.id !== 'SIP-FRD-03' && counted.length !== alert.sipward.count) {
          unlinked.push(`${alert.rule.id} names ${counted.length} indexed calls of ${alert.sipward.count}`);
        }
        for (const id of counted) {
          if (!byCallId.get(id)?.alert_ids.includes(alert.event.id)) unlinked.push(`${id} lacks ${alert.rule.id}`);
        }
      }
      if (frd.length >= 4 && unlinked.length === 0 && calls.size >= 42) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    assert.ok(frd.length >= 4, `FRD alerts indexed: ${frd.map((a) => a.rule.id).join(' ')}`);
    assert.deepEqual(unlinked.slice(0, 10), [], analyzer.stderr().slice(-2000));
  });
});
