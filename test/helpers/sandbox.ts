// The sandbox as end-to-end tests start it: on a free port, 1 s ticks, a region down after two
// failed rounds and back after 2 s of dwell, so a failover and its failback take seconds.
import assert from "node:assert/strict";
import type { Sandbox, SandboxOptions } from "../../src/sandbox/sandbox.js";

export const FAST_SANDBOX = {
  port: 0,
  intervalSeconds: 1,
  failureThreshold: 2,
  dwellSeconds: 2,
} as const satisfies SandboxOptions;

/** What a suite asks of the sandbox it started: its status (answered 200), and a POST to it. */
export function sandboxCalls(sandbox: () => Sandbox) {
  return {
    status: async () => {
      const response = await fetch(`${sandbox().url}/api/status`);
      assert.equal(response.status, 200);
      return (await response.json()) as any;
    },
    post: (path: string) => fetch(`${sandbox().url}${path}`, { method: "POST" }),
  };
}
