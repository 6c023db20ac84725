//! Test helper for the live-capture tests that need the optional native modules (`cap`, `pcap`).
//! Without them a test fails, it never skips silently, so a machine that lost its native builds
//! cannot turn those tests green. One declared exception: scripts/test's second pass on Node 24
//! (node_modules holds native builds for the system Node's ABI, and the registry's Node 24 has no
//! headers to rebuild them) sets SIPWARD_NATIVE_CAPTURE=absent, and the test is skipped, saying so.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** True when the test may go on; skips (declared absence) or fails (anything else) otherwise. */
export function needNativeCapture(t: TestContext, available: boolean, need: string): boolean {
  if (available) return true;
  if (process.env.SIPWARD_NATIVE_CAPTURE === 'absent') {
    t.skip(`native capture modules are not built for Node ${process.version}: run on the system Node by npm test`);
    return false;
  }
  assert.fail(need);
}
