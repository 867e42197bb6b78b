// The catalog's failover with its data stores (an SQL failover group and a Cosmos DB account)
// while every ARM reply is `slowMs` late, in the sandbox with its default timings (2 s interval):
// westeurope is taken down, and the times are read from the events the lease holder emitted
// (recorded history, not polling): the fault to the catalog's failover opening, to its first
// data ask, to its last, to traffic moving, and to the incident's end. The 5 s case runs in
// `npm test` (test/sandbox/slow-arm-5s.e2e.test.ts); the 15 s case takes minutes, so it is here.
// Loopback only.
import type { TandemEvent } from "../src/core/events.js";
import { startSandbox } from "../src/sandbox/sandbox.js";

export async function slowArmData(slowMs: number): Promise<Record<string, unknown>> {
  const events: { at: number; event: TandemEvent }[] = [];
  const sandbox = await startSandbox({
    port: 0,
    data: true,
    clusterStartSeconds: 2,
    propagationSeconds: 2,
    output: () => {},
    subscribers: [{ name: "bench", fn: (event) => void events.push({ at: Date.now(), event }) }],
  });
  const post = (path: string) => fetch(`${sandbox.url}${path}`, { method: "POST" });
  const catalog = (e: TandemEvent) => "group" in e && e.group === "catalog";
  /** Waits (on the events, every 250 ms) for one that matches, emitted at or after `from`. */
  const next = async (from: number, match: (e: TandemEvent) => boolean, what: string) => {
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const found = events.find((x) => x.at >= from && match(x.event));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within 15 minutes`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  try {
    // A holder that has read the levers once: the catalog's routing in the status.
    for (;;) {
      const body = (await (await fetch(`${sandbox.url}/api/status`)).json()) as {
        lease?: unknown;
        groups: { routing?: unknown }[];
      };
      if (body.lease && body.groups.every((g) => g.routing)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await post(`/sandbox/arm/slow?ms=${slowMs}`);
    const fault = Date.now();
    const armBefore = sandbox.arm.requests.length;
    await post("/sandbox/regions/westeurope/down");
    const ended = await next(
      fault,
      (e) =>
        catalog(e) &&
        (e.type === "incident.step" || e.type === "incident.closed") &&
        ["completed", "failed", "aborted"].includes(e.step),
      "end of the catalog's failover",
    );
    const since = events.filter((x) => x.at >= fault && catalog(x.event));
    const at = (match: (e: TandemEvent) => boolean) => {
      const found = since.filter((x) => match(x.event));
      return found.length === 0
        ? undefined
        : { first: found[0]!.at - fault, last: found.at(-1)!.at - fault };
    };
    const asks = at((e) => e.type === "data.failover-asked");
    const traffic = at((e) => e.type === "lever.changed" && e.lever === "traffic");
    const arm = sandbox.arm.requests.slice(armBefore).filter((r) => /catalog/i.test(r.path));
    return {
      slowMs,
      step:
        ended.event.type === "incident.step" || ended.event.type === "incident.closed"
          ? ended.event.step
          : undefined,
      faultToFirstAskMs: asks?.first,
      faultToLastAskMs: asks?.last,
      faultToFirstTrafficChangeMs: traffic?.first,
      faultToEndMs: ended.at - fault,
      catalogArmRequests: arm.length,
      dataChanges: arm
        .filter((r) => r.method === "POST" && /(failover|offlineregion)/i.test(r.path))
        .map((r) => `${r.status} ${r.path.split("/").slice(-1)[0]}`),
    };
  } finally {
    await sandbox.stop();
  }
}
