// Safe upgrades: the order regions are deployed in (the lease holder last) and when an upgraded
// observer counts as live again, read from what GET /api/status says.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StatusView } from "../../src/app/api/types.js";
import { runDeploy } from "../../src/cli/deploy.js";
import { liveAgain, upgradeOrder } from "../../src/deploy/upgrade.js";
import { ROOT } from "../helpers/paths.js";
import { join } from "node:path";

const OBSERVERS = ["westeurope", "northeurope", "swedencentral"];

function status(
  holder: string | null,
  observers: {
    region: string;
    liveness?: "live" | "stale" | "unknown";
    at?: string;
    version?: string;
  }[] = [],
): StatusView {
  return {
    generatedAt: "2026-12-01T10:00:00.000Z",
    answeredBy: "westeurope",
    version: "0.1.0",
    lease: holder
      ? { holder: `${holder}#abcd1234`, observer: holder, epoch: 7, heldByThisProcess: false }
      : null,
    observers: observers.map((o) => ({
      region: o.region,
      liveness: o.liveness ?? "live",
      unchangedForSeconds: 1,
      lastTickAt: o.at ?? null,
      version: o.version ?? null,
      tickMs: 40,
      impaired: false,
    })),
    groups: [],
    alerts: [],
  };
}

describe("upgrade order", () => {
  const cases: { name: string; status?: StatusView; order: string[]; holder?: string }[] = [
    {
      name: "the holder goes last, the others in the configuration's order",
      status: status("westeurope"),
      order: ["northeurope", "swedencentral", "westeurope"],
      holder: "westeurope",
    },
    {
      name: "a holder in the middle moves to the end",
      status: status("northeurope"),
      order: ["westeurope", "swedencentral", "northeurope"],
      holder: "northeurope",
    },
    {
      name: "nobody holds the lease: the configuration's order",
      status: status(null),
      order: OBSERVERS,
    },
    {
      name: "a holder the configuration does not know: the configuration's order",
      status: status("brazilsouth"),
      order: OBSERVERS,
    },
    { name: "no status at all (first deployment): the configuration's order", order: OBSERVERS },
  ];
  for (const c of cases)
    it(c.name, () => {
      const order = upgradeOrder(OBSERVERS, c.status);
      assert.deepEqual(order.regions, c.order);
      assert.equal(order.holder, c.holder);
    });
});

describe("live again", () => {
  const since = new Date("2026-12-01T10:00:00Z");
  const cases: { name: string; view: StatusView; version?: string; live: boolean }[] = [
    {
      name: "live, ticking since the deployment, on the new version",
      view: status("westeurope", [
        { region: "northeurope", at: "2026-12-01T10:00:05Z", version: "0.2.0" },
      ]),
      version: "0.2.0",
      live: true,
    },
    {
      name: "live but its last tick is from before the deployment",
      view: status("westeurope", [
        { region: "northeurope", at: "2026-12-01T09:59:55Z", version: "0.2.0" },
      ]),
      version: "0.2.0",
      live: false,
    },
    {
      name: "ticking again but still on the old version",
      view: status("westeurope", [
        { region: "northeurope", at: "2026-12-01T10:00:05Z", version: "0.1.0" },
      ]),
      version: "0.2.0",
      live: false,
    },
    {
      name: "stale",
      view: status("westeurope", [
        { region: "northeurope", liveness: "stale", at: "2026-12-01T10:00:05Z" },
      ]),
      live: false,
    },
    {
      name: "not yet seen moving by the observer answering",
      view: status("westeurope", [
        { region: "northeurope", liveness: "unknown", at: "2026-12-01T10:00:05Z" },
      ]),
      live: false,
    },
    { name: "not among the observers", view: status("westeurope", []), live: false },
  ];
  for (const c of cases)
    it(c.name, () => assert.equal(liveAgain(c.view, "northeurope", since, c.version).live, c.live));
});

describe("tandem deploy order / wait-live", () => {
  class Unreachable extends Error {}
  /** Each API answers its own list of views, one per question, the last one from then on. */
  const harness = (views: (StatusView | Error)[] | Record<string, (StatusView | Error)[]>) => {
    const byApi = Array.isArray(views) ? { "https://a": views } : views;
    const lines: string[] = [];
    let now = Date.parse("2026-12-01T10:00:00Z");
    const asked: string[] = [];
    return {
      lines,
      asked: () => asked.length,
      askedApis: asked,
      io: {
        out: (t: string) => lines.push(`out: ${t}`),
        err: (t: string) => lines.push(`err: ${t}`),
        sleep: async (ms: number) => void (now += ms),
        now: () => new Date(now),
      },
      status: async (api: string) => {
        const list = byApi[api]!;
        const next = list[Math.min(asked.filter((a) => a === api).length, list.length - 1)]!;
        asked.push(api);
        if (next instanceof Error) throw next;
        return next;
      },
    };
  };
  const config = join(ROOT, "examples/passive-cold.tandem.config.json");
  const base = { check: false, json: false, apis: ["https://a"] };
  const unreachable = (e: unknown) => e instanceof Unreachable;

  it("order prints the regions, the lease holder last", async () => {
    const h = harness([status("westeurope")]);
    assert.equal(
      await runDeploy({ ...base, positional: ["order", config] }, h.io, h.status, unreachable),
      0,
    );
    assert.ok(h.lines.includes("out: northeurope\nswedencentral\nwesteurope"), h.lines.join("\n"));
  });

  it("order falls back to the configuration's order when Tandem does not answer, and says so", async () => {
    const h = harness([new Unreachable("cannot reach Tandem")]);
    assert.equal(
      await runDeploy({ ...base, positional: ["order", config] }, h.io, h.status, unreachable),
      0,
    );
    assert.ok(h.lines.includes("out: westeurope\nnortheurope\nswedencentral"));
    assert.match(h.lines.join("\n"), /status could not be read/);
  });

  it("order does not guess when Tandem refuses the caller", async () => {
    const h = harness([new Error("401 Unauthorized")]);
    await assert.rejects(
      runDeploy({ ...base, positional: ["order", config] }, h.io, h.status, unreachable),
      /401/,
    );
  });

  it("wait-live waits through a restart until the region ticks again on the new version", async () => {
    const h = harness([
      new Unreachable("restarting"),
      status("westeurope", [
        { region: "northeurope", at: "2026-12-01T09:59:50Z", version: "0.1.0" },
      ]),
      status("westeurope", [
        { region: "northeurope", at: "2026-12-01T10:00:20Z", version: "0.2.0" },
      ]),
    ]);
    const code = await runDeploy(
      {
        ...base,
        positional: ["wait-live", "northeurope"],
        since: "2026-12-01T10:00:00Z",
        expectVersion: "0.2.0",
      },
      h.io,
      h.status,
      unreachable,
    );
    assert.equal(code, 0);
    assert.equal(h.asked(), 3);
    assert.match(h.lines.at(-1)!, /northeurope: live.*live again/);
  });

  it("wait-live gives up at its timeout, saying what it last saw", async () => {
    const h = harness([
      status("westeurope", [
        { region: "northeurope", liveness: "stale", at: "2026-12-01T09:59:50Z" },
      ]),
    ]);
    const code = await runDeploy(
      {
        ...base,
        positional: ["wait-live", "northeurope"],
        since: "2026-12-01T10:00:00Z",
        timeout: "60",
      },
      h.io,
      h.status,
      unreachable,
    );
    assert.equal(code, 1);
    assert.match(
      h.lines.join("\n"),
      /was not live again within 60 s; last seen: northeurope: stale/,
    );
  });

  it("order asks each API in turn, stepping over apps with no Tandem yet, and believes the first that answers", async () => {
    const h = harness({
      "https://weu": [new Unreachable("https://weu: 404, no Tandem there yet")],
      "https://neu": [status("northeurope")],
      "https://sec": [status("swedencentral")],
    });
    const apis = ["https://weu", "https://neu", "https://sec"];
    assert.equal(
      await runDeploy(
        { ...base, apis, positional: ["order", config] },
        h.io,
        h.status,
        unreachable,
      ),
      0,
    );
    assert.deepEqual(h.askedApis, ["https://weu", "https://neu"]);
    assert.ok(h.lines.includes("out: westeurope\nswedencentral\nnortheurope"), h.lines.join("\n"));
  });

  it("wait-live on a first deployment: the other apps have no code yet, so the region's own API answers", async () => {
    const h = harness({
      "https://neu": [new Unreachable("https://neu: 404, no Tandem there yet")],
      "https://weu": [
        status("westeurope", [
          { region: "westeurope", at: "2026-12-01T10:00:10Z", version: "0.2.0" },
        ]),
      ],
    });
    const code = await runDeploy(
      {
        ...base,
        apis: ["https://neu", "https://weu"],
        positional: ["wait-live", "westeurope"],
        since: "2026-12-01T10:00:00Z",
        expectVersion: "0.2.0",
      },
      h.io,
      h.status,
      unreachable,
    );
    assert.equal(code, 0, h.lines.join("\n"));
    assert.match(h.lines.at(-1)!, /westeurope: live.*live again \(seen by https:\/\/weu\)/);
  });

  it("wait-live needs --since", async () => {
    const h = harness([]);
    assert.equal(
      await runDeploy(
        { ...base, positional: ["wait-live", "northeurope"] },
        h.io,
        h.status,
        unreachable,
      ),
      2,
    );
  });
});
