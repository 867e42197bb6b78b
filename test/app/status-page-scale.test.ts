// The status page and the history JSON at 1,000 groups (issue 31, ADR 0031), on the memory
// store: the page is a summary under 100 KB (the longest group names, 150 groups needing a
// person), each group has its own page with its history, and the history JSON comes by group
// or a page of groups at a time.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { ApiResponse } from "../../src/app/api/http.js";
import { API_ROUTES, serve } from "../../src/app/api/routes.js";
import type { Runtime } from "../../src/app/runtime.js";
import { compose } from "../../src/compose.js";
import { parseConfig } from "../../src/config/index.js";
import { addVerdictTime, dayOf, emptyRollup } from "../../src/core/rollup.js";
import { getRequest } from "../helpers/api-request.js";
import { ManualClock } from "../helpers/runtime.js";

const GROUPS = 1000;
const DOWN = 150;
const REGIONS = ["westeurope", "northeurope"] as const;
/** The longest name a group may have (63 characters): the page's worst case. */
const nameOf = (i: number) => `g${String(i).padStart(4, "0")}-`.padEnd(63, "x");

const route = (name: string) => API_ROUTES.find((r) => r.name === name)!;

describe("the status read models at 1,000 groups", () => {
  let rt: Runtime;
  const clock = new ManualClock();
  const read = (name: string, path: string, html = false): Promise<ApiResponse> =>
    serve(route(name), async () => rt, getRequest(path, html ? { accept: "text/html" } : {}), {
      error: () => {},
    });

  before(async () => {
    const config = parseConfig({
      observers: REGIONS.map((region) => ({ region })),
      stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
      groups: Array.from({ length: GROUPS }, (_, i) => ({
        name: nameOf(i),
        model: "active-passive" as const,
        regions: REGIONS.map((region, r) => ({
          name: region,
          role: r === 0 ? ("primary" as const) : ("secondary" as const),
          probe: { url: `http://127.0.0.1:9/${i}/${region}` },
        })),
      })),
    });
    const store = new MemoryStateStore();
    const today = dayOf(clock.now());
    for (let i = 0; i < GROUPS; i++) {
      const states = Object.fromEntries(
        REGIONS.map((region, r) => [
          region,
          {
            verdict:
              r === 0 && i % 5 === 0 && i < 5 * DOWN ? ("down" as const) : ("healthy" as const),
            since: clock.now(),
            epoch: 1,
            reason: "kept by the test",
          },
        ]),
      );
      await store.writeRegionStates(nameOf(i), states, undefined);
      const row = emptyRollup(today, nameOf(i));
      addVerdictTime(row, "westeurope", false, clock.now(), 60_000 + i);
      await store.writeRollups([row]);
    }
    rt = await compose({
      config,
      observer: "westeurope",
      store,
      clock,
      localPrincipal: { name: "test-reader", roles: ["reader"], via: "local" },
    });
  });

  it("the page is a summary under 100 KB: the groups needing a person first, the others as links a page at a time", async () => {
    const answer = await read("status", "/", true);
    assert.equal(answer.status, 200);
    const html = answer.body!;
    assert.ok(Buffer.byteLength(html) < 100_000, `the page is ${Buffer.byteLength(html)} bytes`);
    assert.equal(html.match(/<tr class="attention"/g)?.length, 100);
    assert.match(html, /Needing attention \(150\)/);
    assert.match(html, /and 50 more groups not shown here/);
    assert.match(html, /Every region healthy or at rest \(1 to 250 of 850\)/);
    assert.ok(html.includes(`<a href="?group=${nameOf(1)}">`), "a healthy group links to its page");
    assert.ok(!html.includes('<div class="history">'), "no group's history on the summary");
    const last = await read("status", "/?page=4", true);
    assert.match(last.body!, /Every region healthy or at rest \(751 to 850 of 850\)/);
    assert.ok(Buffer.byteLength(last.body!) < 100_000);
  });

  it("a group's page (?group=) shows that group alone, with its history; the JSON too", async () => {
    const answer = await read("status", `/?group=${nameOf(500)}`, true);
    assert.equal(answer.status, 200);
    const html = answer.body!;
    assert.equal(html.match(/<section class="group"/g)?.length, 1);
    assert.ok(html.includes(`id="group-${nameOf(500)}"`));
    assert.match(html, /<div class="history">/);
    assert.ok(Buffer.byteLength(html) < 100_000);
    assert.equal((await read("status", "/?group=nope", true)).status, 404);
    const json = (await read("status", `/?group=${nameOf(5)}`)).jsonBody as any;
    assert.deepEqual(
      json.groups.map((g: any) => g.name),
      [nameOf(5)],
    );
    assert.equal(json.groups[0].regions[0].verdict, "down");
    assert.equal((await read("status", "/?group=nope")).status, 404);
  });

  it("the history JSON: one group by ?group=, or 20 groups a page with the next page's link", async () => {
    const one = (await read("statusHistory", `/?group=${nameOf(7)}`)).jsonBody as any;
    assert.deepEqual(
      one.groups.map((g: any) => g.name),
      [nameOf(7)],
    );
    assert.equal(one.groups[0].regions[0].uptime["24h"], 1);
    const first = (await read("statusHistory", "/")).jsonBody as any;
    assert.equal(first.groups.length, 20);
    assert.equal(first.next, nameOf(19));
    const second = (await read("statusHistory", first.nextUrl.replace("/api/status/history", "")))
      .jsonBody as any;
    assert.deepEqual(
      second.groups.map((g: any) => g.name),
      Array.from({ length: 20 }, (_, i) => nameOf(20 + i)),
    );
    const end = (await read("statusHistory", `/?limit=50&after=${nameOf(979)}`)).jsonBody as any;
    assert.equal(end.groups.length, 20);
    assert.equal(end.next, undefined);
    assert.equal((await read("statusHistory", "/?after=nope")).status, 400);
  });
});
