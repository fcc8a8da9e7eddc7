// Helpers for tests that run the host agent (tandem-host) in-process.
import assert from 'node:assert/strict';
import type { RunningHostAgent } from '../../src/host/run-agent.js';

/** Waits until every path of the agent's first device is alive; fails with the paths' states after `ms`. */
export async function allPathsAlive(host: RunningHostAgent, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const paths = host.agent.list()[0]!.paths;
    if (paths.every((p) => p.state === 'alive')) return;
    assert.ok(Date.now() < deadline, `paths did not all come back: ${JSON.stringify(paths)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
