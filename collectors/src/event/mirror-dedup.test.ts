import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { L4Segment } from '../packet';
import { eventIdFor } from './event-id';
import { lastEventId, MirrorDedup, mirrorKey, mirrorKeyWithEventId } from './mirror-dedup';

function udp(t: number, payload: string, o: Partial<L4Segment> = {}): L4Segment {
  return {
    tsSec: Math.floor(t / 1000),
    tsNsec: Math.round((t % 1000) * 1e6),
    interfaceId: 0,
    ipVersion: 4,
    srcIp: '192.0.2.1',
    dstIp: '192.0.2.2',
    protocol: 'udp',
    srcPort: 5060,
    dstPort: 5060,
    vlan: [],
    tunnel: [],
    payload: Buffer.from(payload),
    ...o,
  };
}

const INVITE = 'INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n';

// The reference keeps the semantics the typed table must have: same window, same ring order,
// same early eviction; it only stores keys in a Map.
class MapModel {
  private readonly seen = new Map<number, number>();
  private readonly ring: Array<[number, number]> = [];
  private now = 0;
  constructor(private readonly max: number) {}
  isDuplicate(seg: L4Segment): boolean {
    const ms = seg.tsSec * 1000 + seg.tsNsec / 1e6;
    if (ms > this.now) this.now = ms;
    while (this.ring.length > 0 && (this.ring[0]?.[1] ?? 0) < this.now - 50) this.drop();
    const key = mirrorKey(seg);
    const first = this.seen.get(key);
    if (first !== undefined && Math.abs(ms - first) <= 50) return true;
    if (this.ring.length === this.max) this.drop();
    this.ring.push([key, ms]);
    this.seen.set(key, ms);
    return false;
  }
  get entries(): number {
    return this.seen.size;
  }
  private drop(): void {
    const [key, ms] = this.ring.shift() ?? [0, 0];
    if (this.seen.get(key) === ms) this.seen.delete(key);
  }
}

void describe('MirrorDedup', () => {
  void it('drops a copy within the window despite another VLAN, tunnel or interface', () => {
    const d = new MirrorDedup();
    assert.equal(d.isDuplicate(udp(1000, INVITE, { vlan: [10] })), false);
    assert.equal(d.isDuplicate(udp(1000.02, INVITE, { vlan: [20], interfaceId: 1, tunnel: ['erspan2'] })), true);
    assert.deepEqual(d.counters, { packets: 2, duplicates: 1, evictedEarly: 0 });
  });

  void it('accepts copies stamped slightly out of order', () => {
    const d = new MirrorDedup();
    assert.equal(d.isDuplicate(udp(1000.5, INVITE)), false);
    assert.equal(d.isDuplicate(udp(1000.4, INVITE)), true);
  });

  void it('keeps SIP retransmissions 500 ms apart (T1)', () => {
    const d = new MirrorDedup();
    assert.equal(d.isDuplicate(udp(1000, INVITE)), false);
    assert.equal(d.isDuplicate(udp(1500, INVITE)), false);
    assert.equal(d.isDuplicate(udp(2500, INVITE)), false);
    assert.equal(d.counters.duplicates, 0);
  });

  void it('tells apart packets that differ in address, port, protocol, TCP header or payload', () => {
    const base = udp(1000, INVITE);
    const tcp = (seq: number, ack = 1, flags = 0x18): L4Segment => ({
      ...base,
      protocol: 'tcp',
      tcp: { seq, ack, flags },
    });
    const variants: L4Segment[] = [
      base,
      { ...base, srcIp: '192.0.2.3' },
      { ...base, dstIp: '192.0.2.3' },
      { ...base, srcPort: 5061 },
      { ...base, dstPort: 5061 },
      { ...base, srcIp: base.dstIp, dstIp: base.srcIp },
      tcp(1),
      tcp(2),
      tcp(1, 2),
      tcp(1, 1, 0x10),
      udp(1000, INVITE.replace('bob', 'bab')),
      udp(1000, INVITE + 'x'),
    ];
    const keys = new Set(variants.map(mirrorKey));
    assert.equal(keys.size, variants.length);
    const d = new MirrorDedup();
    for (const v of variants) assert.equal(d.isDuplicate(v), false);
  });

  void it('forgets entries as packet time passes and bounds its table', () => {
    const d = new MirrorDedup({ maxEntries: 4 });
    for (let i = 0; i < 10; i++) d.isDuplicate(udp(1000, INVITE + i));
    assert.equal(d.entries, 4);
    assert.equal(d.counters.evictedEarly, 6);
    d.isDuplicate(udp(2000, 'later'));
    assert.equal(d.entries, 1);
    // The early-evicted copy is no longer recognised: a bounded table trades that for memory.
    assert.equal(d.isDuplicate(udp(2000, INVITE + 0)), false);
  });

  void it('hashes a datagram once for both: the key is mirrorKey, the id eventIdFor over the payload', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 1500 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.ipV4(),
        fc.ipV6(),
        fc.integer({ min: 0, max: 65535 }),
        (bytes, tsSec, tsNsec, srcIp, dstIp, srcPort) => {
          // A view at an odd offset of a larger buffer, as datagrams sit in a capture chunk.
          const chunk = Buffer.alloc(bytes.length + 3);
          chunk.set(bytes, 3);
          const seg = { ...udp(0, ''), tsSec, tsNsec, srcIp, dstIp, srcPort, payload: chunk.subarray(3) };
          assert.equal(mirrorKeyWithEventId(seg), mirrorKey(seg));
          assert.equal(lastEventId(), eventIdFor(seg, seg.payload, 0, seg.payload.length));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  void it('hash has no collisions over 20k random payloads', () => {
    const keys = new Set<number>();
    const inputs = new Set<string>();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (u) => {
        const s = Buffer.from(u).toString('hex');
        inputs.add(s);
        keys.add(mirrorKey({ ...udp(0, ''), payload: Buffer.from(u) }));
      }),
      { numRuns: 20_000 },
    );
    assert.equal(keys.size, inputs.size);
  });

  void it('answers like a plain Map of key → first time on random traffic (small tables, many collisions)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }),
        (max, steps) => {
          const d = new MirrorDedup({ maxEntries: max });
          const model = new MapModel(max);
          let t = 1000;
          for (const [payload, dt] of steps) {
            t += dt;
            const seg = udp(t, `p${payload}`);
            assert.equal(d.isDuplicate(seg), model.isDuplicate(seg));
            assert.equal(d.entries, model.entries);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  void it('grows its key table as the window fills and still answers like the Map model', () => {
    // 30 000 packets 4 µs apart: ~12 500 in one 50 ms window, so the table doubles from its
    // initial 4 096 slots several times while lookups, expiry and backward-shift deletes go on.
    const d = new MirrorDedup({ maxEntries: 20_000 });
    const model = new MapModel(20_000);
    let seed = 12345;
    let t = 1000;
    for (let i = 0; i < 30_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      t += 0.004;
      const seg = udp(t, `p${seed % 20_000}`);
      assert.equal(d.isDuplicate(seg), model.isDuplicate(seg));
      assert.equal(d.entries, model.entries);
    }
    assert.ok(d.counters.duplicates > 0);
  });
});
