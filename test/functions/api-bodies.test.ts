// The API reads bodies strictly and keeps the IETF Idempotency-Key draft: a key given twice, in
// either order, is a 400 that names it and changes nothing; invalid UTF-8 is refused, never
// replaced; a long name is echoed only as a short prefix; the same key with the same request
// gets the first answer, with another request a 422 (also when both arrive at once); a key is
// remembered for 24 hours.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import azf from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import { apiFunctions } from "../../functions/api.js";
import type { HttpFunction } from "../../functions/handlers.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { IDEMPOTENCY_KEY_TTL_MS } from "../../src/app/commands.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import {
  ManualClock,
  TEST_OPERATOR,
  regionalApps,
  runtimeFor,
  twoRegionConfig,
} from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

const json = (r: HttpResponseInit) => r.jsonBody as any;

describe("API bodies and Idempotency-Key", () => {
  const { weu, neu } = regionalApps();
  let rt: Runtime;
  let store: MemoryStateStore;
  let router: MemoryTrafficRouter;
  let clock: ManualClock;
  let command: HttpFunction;
  let north: Runtime;
  /** Rounds of probes and the holder's tick, so both regions are seen healthy now. */
  const observe = async () => {
    for (let round = 0; round < 3; round++) {
      await runProbeTick(rt);
      await runProbeTick(north);
      await runOrchestrateTick(rt);
      clock.advance(6000);
    }
  };

  before(async () => {
    store = new MemoryStateStore();
    clock = new ManualClock();
    router = shopRouter();
    const raw = twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl });
    rt = await runtimeFor(raw, "westeurope", {
      store,
      clock,
      router,
      instance: "w1",
      localPrincipal: TEST_OPERATOR,
    });
    north = await runtimeFor(raw, "northeurope", { store, clock, router, instance: "n1" });
    await observe();
    command = apiFunctions(async () => rt).find((f) => f.name === "command")!;
  });

  const post = (
    name: string,
    body: string | Uint8Array,
    headers: Record<string, string> = {},
    group = "shop",
  ) =>
    command.handler(
      new azf.HttpRequest({
        method: "POST",
        url: `http://127.0.0.1:7071/api/groups/${group}/${name}`,
        headers: { "content-type": "application/json", ...headers },
        params: { group, command: name },
        body: typeof body === "string" ? { string: body } : { bytes: body },
      }),
      new azf.InvocationContext({
        invocationId: "t",
        functionName: "command",
        logHandler: () => {},
      }),
    );
  const state = async () =>
    JSON.stringify({
      incidents: await store.readIncidents("shop"),
      pause: await store.readPause(),
      routing: router.peek("shop"),
    });
  /** Ends any open incident, so the next command is not refused for it. */
  const settle = async () => {
    for (const s of await store.readIncidents("shop"))
      if (!["completed", "failed", "aborted"].includes(s.incident.step))
        await store.writeIncident({ ...s.incident, step: "aborted" }, s.etag);
  };

  const bodies: Record<string, string> = {
    failover: `"to":"northeurope","reason":"maintenance"`,
    failback: `"reason":"back home"`,
    pause: `"reason":"change window"`,
    resume: `"reason":"change window over"`,
    drill: `"reason":"game day"`,
  };
  for (const [name, fields] of Object.entries(bodies))
    for (const [field, first, second] of [
      ["reason", '"a first reason"', '"a second reason"'],
      ...(name === "failover" || name === "failback"
        ? [
            ["dryRun", "true", "false"],
            ["dryRun", "false", "true"],
          ]
        : []),
    ] as const)
      it(`${name}: "${field}" given twice (${first}, then ${second}) is a 400 naming it, and changes nothing`, async () => {
        const before = await state();
        const body = `{${fields.replace(/"reason":"[^"]*"/, `"reason":${first}`)},"${field}":${second}${field === "reason" ? "" : `,"${field}":${first}`}}`;
        const twice = field === "reason" ? `{${fields},"reason":${second}}` : body;
        const response = await post(name, twice);
        assert.equal(response.status, 400, JSON.stringify(json(response)));
        assert.equal(json(response).error.field, field);
        assert.match(json(response).error.message, new RegExp(`^${field}: is given twice`));
        assert.equal(await state(), before, "nothing changed");
      });

  it("a key given twice inside a nested object is named with its path (the configuration reader too)", async () => {
    const response = await post("pause", `{"reason":"x-y-z","extra":{"a":1,"a":2}}`);
    assert.equal(response.status, 400);
    assert.equal(json(response).error.field, "extra.a");
  });

  it("invalid UTF-8 is a 400, not a reason with replacement characters", async () => {
    const before = await state();
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"reason":"bad '),
      0xc3,
      0x28,
      ...new TextEncoder().encode('"}'),
    ]);
    const response = await post("pause", bytes);
    assert.equal(response.status, 400);
    assert.match(json(response).error.message, /^body: is not valid UTF-8$/);
    assert.equal(await state(), before);
  });

  it("a long unknown field or group name is echoed only as a short prefix", async () => {
    const long = "x".repeat(5000);
    const field = await post("pause", `{"reason":"x-y-z","${long}":1}`);
    assert.equal(field.status, 400);
    assert.ok(JSON.stringify(json(field)).length < 400, JSON.stringify(json(field)).slice(0, 200));
    assert.match(json(field).error.field, /^x{40}\.\.\. \(5000 characters\)$/);
  });

  it("the same key with the same request (any key order, any spacing) gets the first answer", async () => {
    await settle();
    const key = { "idempotency-key": "same-1" };
    const first = await post("failover", `{"to":"northeurope","reason":"maintenance"}`, key);
    assert.equal(first.status, 202, JSON.stringify(json(first)));
    const again = await post("failover", `{ "reason" : "maintenance", "to" : "northeurope" }`, key);
    assert.equal(again.status, 202);
    assert.equal(json(again).incident, json(first).incident);
    assert.equal(json(again).repeated, true);
  });

  it("the same key with every field of the body in another order is the same request", async () => {
    await settle();
    const key = { "idempotency-key": "order-1" };
    const fields = { to: "northeurope", reason: "all four fields", override: false, dryRun: false };
    const first = await post("failover", JSON.stringify(fields), key);
    assert.equal(first.status, 202, JSON.stringify(json(first)));
    const reversed = Object.fromEntries(Object.entries(fields).reverse());
    assert.deepEqual(Object.keys(reversed), ["dryRun", "override", "reason", "to"]);
    const again = await post("failover", JSON.stringify(reversed, null, 2), key);
    assert.equal(again.status, 202, JSON.stringify(json(again)));
    assert.equal(json(again).incident, json(first).incident);
    assert.equal(json(again).repeated, true);
  });

  it("the same key with another request is a 422 naming the first incident", async () => {
    const key = { "idempotency-key": "same-1" };
    const before = await state();
    const other = await post("failover", `{"to":"northeurope","reason":"another reason"}`, key);
    assert.equal(other.status, 422);
    assert.equal(json(other).error.code, "IdempotencyKeyReused");
    assert.equal(json(other).error.field, "Idempotency-Key");
    assert.ok(json(other).error.incident);
    assert.equal(await state(), before, "nothing changed");
  });

  it("two copies of one key with different bodies at once: one incident, one 202, one 422", async () => {
    await settle();
    const key = { "idempotency-key": "race-2" };
    const answers = await Promise.all([
      post("failover", `{"to":"northeurope","reason":"first copy"}`, key),
      post("failover", `{"to":"northeurope","reason":"second copy"}`, key),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [202, 422]);
    const keyed = (await store.readIncidents("shop")).filter(
      (s) => s.incident.requestKey === "race-2",
    );
    assert.equal(keyed.length, 1);
  });

  it("a key is remembered for 24 hours; after that it opens a new incident", async () => {
    await settle();
    const key = { "idempotency-key": "day-1" };
    const first = await post("failover", `{"to":"northeurope","reason":"maintenance"}`, key);
    assert.equal(first.status, 202);
    await settle();
    clock.advance(IDEMPOTENCY_KEY_TTL_MS + 1000);
    await observe();
    const later = await post("failover", `{"to":"northeurope","reason":"other work"}`, key);
    assert.equal(later.status, 202, JSON.stringify(json(later)));
    assert.notEqual(json(later).incident, json(first).incident);
    assert.equal(json(later).repeated, false);
  });
});
