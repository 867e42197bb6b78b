// The operator API through its Functions handlers, as the Azure Functions host calls them: the
// authorisation matrix, input validation under fuzzing, dry runs, idempotent retries, conflicts.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import azf from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import fc from "fast-check";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { apiFunctions, statusApiFunction } from "../../functions/api.js";
import type { HttpFunction } from "../../functions/handlers.js";
import { MemoryClusterControl } from "../../src/adapters/cluster/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { setPause } from "../../src/app/commands.js";
import { refusedCallsSettled } from "../../src/app/refused-calls.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { parseConfig } from "../../src/config/index.js";
import { AZURE_CLI_APP_ID } from "../../src/config/defaults.js";
import { ManualClock, regionalApps, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

const ISSUER = "https://login.example.test/tenant/v2.0";
const AUDIENCE = "api://tandem-test";

function context() {
  return new azf.InvocationContext({
    invocationId: "test",
    functionName: "api",
    logHandler: () => {},
  });
}

interface Call {
  method?: "GET" | "POST";
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

function request(c: Call) {
  const text = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
  return new azf.HttpRequest({
    method: c.method ?? "POST",
    url: `http://127.0.0.1:7071${c.path}`,
    headers: {
      ...(text === undefined ? {} : { "content-type": "application/json" }),
      "x-forwarded-for": "192.0.2.7",
      ...c.headers,
    },
    params: c.params ?? {},
    ...(text === undefined ? {} : { body: { string: text } }),
  });
}

const json = (r: HttpResponseInit) => r.jsonBody as any;

/** A platform principal header, as App Service Authentication would set it. */
function clientPrincipal(name: string, roles: string[]) {
  return Buffer.from(
    JSON.stringify({
      auth_typ: "aad",
      name_typ: "name",
      role_typ: "roles",
      claims: [{ typ: "name", val: name }, ...roles.map((r) => ({ typ: "roles", val: r }))],
    }),
  ).toString("base64");
}

describe("operator API", () => {
  const { weu, neu } = regionalApps();
  const keys = generateKeyPair("ES256");
  let rt: Runtime;
  let platformRt: Runtime;
  let store: MemoryStateStore;
  let router: MemoryTrafficRouter;
  let clusters: MemoryClusterControl;
  let fns: Map<string, HttpFunction>;
  let platformFns: Map<string, HttpFunction>;
  let sign: (claims: Record<string, unknown>, audience?: string) => Promise<string>;

  const config = async (): Promise<TandemConfigInput> => {
    const jwk = await exportJWK((await keys).publicKey);
    return {
      ...twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl }),
      api: {
        bearer: {
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: [{ ...jwk, kty: "EC" as const, kid: "k1" }],
        },
      },
    };
  };

  before(async () => {
    const { privateKey } = await keys;
    // Access tokens as Entra issues them to the Azure CLI (the default client allowed).
    sign = (claims, audience = AUDIENCE) =>
      new SignJWT({ azp: AZURE_CLI_APP_ID, ...claims })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(privateKey);
    store = new MemoryStateStore();
    const clock = new ManualClock();
    router = shopRouter();
    clusters = new MemoryClusterControl(clock, { startMs: 1000 });
    const parts = { store, clock, router, clusters } as const;
    rt = await runtimeFor(await config(), "westeurope", { ...parts, instance: "w1" });
    platformRt = await runtimeFor(await config(), "northeurope", {
      ...parts,
      instance: "n1",
      env: { WEBSITE_AUTH_ENABLED: "True" },
    });
    // Both regions observed healthy, so that commands have a healthy target.
    for (let round = 0; round < 3; round++) {
      await runProbeTick(rt);
      await runProbeTick(platformRt);
      await runOrchestrateTick(rt);
      clock.advance(6000);
    }
    const byName = (list: HttpFunction[]) => new Map(list.map((f) => [f.name, f]));
    fns = byName([statusApiFunction(async () => rt), ...apiFunctions(async () => rt)]);
    platformFns = byName([
      statusApiFunction(async () => platformRt),
      ...apiFunctions(async () => platformRt),
    ]);
  });

  const send = (c: Call, on = fns) => {
    const name = c.path.startsWith("/api/groups/")
      ? "command"
      : c.path.startsWith("/api/all/")
        ? "commandAll"
        : c.path.split("/")[2]!;
    return on.get(name)!.handler(request(c), context());
  };
  /** Refused calls counted so far, by caller, once every process has written what it noted. */
  const refusedCounts = async () => {
    await refusedCallsSettled(rt);
    await refusedCallsSettled(platformRt);
    const counts: Record<string, number> = {};
    for (const r of (await store.readRefusedCalls({ limit: 500 })).entries)
      counts[`${r.actor} from ${r.from}`] = (counts[`${r.actor} from ${r.from}`] ?? 0) + r.count;
    return counts;
  };
  /** What a refused call to a path is counted as: `api {command}`. */
  const refusedName = (path: string) => `api ${path.split("/").at(-1)}`;
  const operator = async () => ({
    authorization: `Bearer ${await sign({ preferred_username: "ops@example.test", roles: ["Tandem.Operator"] })}`,
  });
  const snapshot = async () =>
    JSON.stringify({
      incidents: await store.readIncidents("shop"),
      pause: await store.readPause(),
      routing: router.peek("shop"),
      changes: router.changes.length + clusters.changes.length,
    });

  const MUTATIONS: Call[] = [
    {
      path: "/api/groups/shop/failover",
      params: { group: "shop", command: "failover" },
      body: { to: "northeurope", reason: "matrix", dryRun: true },
    },
    {
      path: "/api/groups/shop/failback",
      params: { group: "shop", command: "failback" },
      body: { reason: "matrix", dryRun: true },
    },
    {
      path: "/api/groups/shop/pause",
      params: { group: "shop", command: "pause" },
      body: { reason: "matrix" },
    },
    {
      path: "/api/groups/shop/resume",
      params: { group: "shop", command: "resume" },
      body: { reason: "matrix" },
    },
    {
      path: "/api/groups/shop/drill",
      params: { group: "shop", command: "drill" },
      body: { reason: "matrix" },
    },
    { path: "/api/all/pause", params: { command: "pause" }, body: { reason: "matrix" } },
    { path: "/api/all/resume", params: { command: "resume" }, body: { reason: "matrix" } },
  ];

  describe("authorisation matrix: each mutating endpoint refuses, and audits, all but the operator", () => {
    for (const call of MUTATIONS) {
      it(`POST ${call.path}`, async () => {
        const audited = async () =>
          (await store.readActions()).filter((a) => a.name.startsWith("api "));
        const before = (await audited()).length;
        const countedBefore = await refusedCounts();

        const anonymous = await send(call);
        assert.equal(anonymous.status, 401, "no principal");

        const forged = await send({
          ...call,
          headers: {
            "x-ms-client-principal": clientPrincipal("mallory", ["Tandem.Operator"]),
            "x-ms-client-principal-name": "mallory",
          },
        });
        assert.equal(forged.status, 401, "a principal header");
        assert.match(json(forged).error.message, /x-ms-client-principal is not proof/);

        const reader = await send({
          ...call,
          headers: {
            authorization: `Bearer ${await sign({ preferred_username: "ro@example.test", roles: ["Tandem.Reader"] })}`,
          },
        });
        assert.equal(reader.status, 403, "the Reader role");

        // WEBSITE_AUTH_ENABLED is set for this app: the header is still not proof.
        const platformForged = await send(
          {
            ...call,
            headers: {
              "x-ms-client-principal": clientPrincipal("mallory", ["Tandem.Operator"]),
              "x-ms-client-principal-name": "mallory",
            },
          },
          platformFns,
        );
        assert.equal(platformForged.status, 401, "a principal header with WEBSITE_AUTH_ENABLED");

        assert.equal((await audited()).length, before, "no refused call in the action log");
        const counted = await refusedCounts();
        assert.deepEqual(
          Object.fromEntries(
            Object.entries(counted).map(([caller, n]) => [
              caller,
              n - (countedBefore[caller] ?? 0),
            ]),
          ),
          {
            "anonymous from 192.0.2.7": 3,
            "ro@example.test from 192.0.2.7": 1,
          },
          "counted per caller, from where",
        );
        const row = (await store.readRefusedCalls({ limit: 50 })).entries.find(
          (r) => r.actor === "anonymous",
        )!;
        assert.equal(row.claimed, "mallory", "the name it claimed, kept apart");
        assert.equal(row.name, refusedName(call.path));

        const allowed = await send({ ...call, headers: await operator() });
        assert.ok(
          allowed.status! < 400,
          `the operator: ${allowed.status} ${JSON.stringify(allowed.jsonBody)}`,
        );
        const last = (await audited()).filter((a) => a.outcome !== "started").slice(-1);
        assert.deepEqual(
          last.map((a) => [a.actor, a.outcome, a.reason]),
          [["ops@example.test", "done", "matrix"]],
        );
      });
    }

    it("reads need the Reader role, and a token that is not valid is refused with the reason", async () => {
      const get = (headers: Record<string, string> = {}) =>
        send({ method: "GET", path: "/api/status", headers });
      assert.equal((await get()).status, 401);
      assert.equal(
        (await get({ authorization: `Bearer ${await sign({ sub: "nobody", roles: [] })}` })).status,
        403,
      );
      const wrongAudience = await get({
        authorization: `Bearer ${await sign({ roles: ["Tandem.Reader"] }, "api://other")}`,
      });
      assert.equal(wrongAudience.status, 401);
      assert.match(json(wrongAudience).error.message, /aud/);
      const forgedSignature = (await sign({ roles: ["Tandem.Operator"] })).replace(
        /.{6}$/,
        "AAAAAA",
      );
      assert.equal((await get({ authorization: `Bearer ${forgedSignature}` })).status, 401);
      assert.equal(
        (await get({ authorization: `Bearer ${await sign({ roles: ["Tandem.Reader"] })}` })).status,
        200,
      );
    });

    it("the status page's history needs the Reader role too", async () => {
      // Its own function (send() finds a function by the path's first segment).
      const get = (headers: Record<string, string> = {}) =>
        fns
          .get("statusHistory")!
          .handler(request({ method: "GET", path: "/api/status/history", headers }), context());
      assert.equal((await get()).status, 401);
      const nobody = await sign({ sub: "nobody", roles: [] });
      assert.equal((await get({ authorization: `Bearer ${nobody}` })).status, 403);
      const reader = await get({
        authorization: `Bearer ${await sign({ roles: ["Tandem.Reader"] })}`,
      });
      assert.equal(reader.status, 200);
      const body = json(reader);
      assert.match(body.from, /^\d{4}-\d\d-\d\d$/, "the first day read");
      assert.deepEqual(
        body.groups.map((g: { name: string; regions: { name: string; uptime: object }[] }) => [
          g.name,
          g.regions.map((r) => [r.name, Object.keys(r.uptime)]),
        ]),
        [
          [
            "shop",
            [
              ["westeurope", ["24h", "7d", "30d"]],
              ["northeurope", ["24h", "7d", "30d"]],
            ],
          ],
        ],
      );
    });
  });

  describe("input fuzzing", () => {
    const fieldNames = fc.constantFrom(
      "to",
      "reason",
      "dryRun",
      "override",
      "extra",
      "__proto__",
      "",
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("northeurope", "westeurope", "a reason long enough", ""),
      fc.boolean(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    const body = fc.oneof(
      fc.dictionary(fieldNames, value, { maxKeys: 5 }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const command = fc.constantFrom(
      "failover",
      "failback",
      "pause",
      "resume",
      "drill",
      "explode",
      "",
    );
    const group = fc.oneof(fc.constantFrom("shop", "atlantis"), fc.string({ maxLength: 20 }));

    it("never answers 5xx, never changes state when it refuses, and always names the field", async () => {
      const headers = await operator();
      await fc.assert(
        fc.asyncProperty(
          command,
          group,
          body,
          fc.option(fc.string({ maxLength: 30 })),
          fc.boolean(),
          async (cmd, grp, payload, key, raw) => {
            const before = await snapshot();
            const text = raw ? JSON.stringify(payload).slice(0, -1) : JSON.stringify(payload);
            const answer = await send({
              path: `/api/groups/${grp}/${cmd}`,
              params: { group: grp, command: cmd },
              raw: text ?? "",
              headers: { ...headers, ...(key === null ? {} : { "idempotency-key": key }) },
            });
            assert.ok(answer.status! < 500, `${answer.status} ${JSON.stringify(answer.jsonBody)}`);
            if (answer.status! >= 400) {
              const error = json(answer).error;
              assert.equal(typeof error.message, "string");
              if (answer.status === 400 || answer.status === 404)
                assert.equal(typeof error.field, "string", JSON.stringify(error));
              const after = JSON.parse(await snapshot());
              const was = JSON.parse(before);
              assert.deepEqual(after.incidents, was.incidents);
              assert.deepEqual(after.pause, was.pause);
              assert.equal(after.changes, was.changes);
            }
          },
        ),
        { numRuns: 300, seed: 20261122 },
      );
    });

    it("rejects unknown fields, wrong types and oversized bodies with 400 naming the field", async () => {
      const headers = await operator();
      const post = (raw: string, extra: Record<string, string> = {}) =>
        send({
          path: "/api/groups/shop/pause",
          params: { group: "shop", command: "pause" },
          raw,
          headers: { ...headers, ...extra },
        });
      const unknown = await post(JSON.stringify({ reason: "fine reason", colour: "red" }));
      assert.equal(unknown.status, 400);
      assert.equal(json(unknown).error.field, "colour");
      const wrong = await post(JSON.stringify({ reason: 42 }));
      assert.equal(json(wrong).error.field, "reason");
      const big = await post(JSON.stringify({ reason: "x".repeat(20_000) }));
      assert.equal(big.status, 400);
      assert.equal(json(big).error.field, "body");
      const type = await post(JSON.stringify({ reason: "fine reason" }), {
        "content-type": "text/plain",
      });
      assert.equal(json(type).error.field, "content-type");
      const badKey = await post(JSON.stringify({ reason: "fine reason" }), {
        "idempotency-key": "no spaces please",
      });
      assert.equal(json(badKey).error.field, "Idempotency-Key");
    });
  });

  describe("tokens and principals", () => {
    it("refuses a token without an expiry, and one signed with a shared secret", async () => {
      const { privateKey } = await keys;
      const noExp = await new SignJWT({ roles: ["Tandem.Operator"] })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .sign(privateKey);
      const get = (token: string) =>
        send({ method: "GET", path: "/api/status", headers: { authorization: `Bearer ${token}` } });
      const answer = await get(noExp);
      assert.equal(answer.status, 401);
      assert.match(json(answer).error.message, /exp/);
      const hmac = await new SignJWT({ roles: ["Tandem.Operator"] })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode("a shared secret anyone with the config has"));
      assert.equal((await get(hmac)).status, 401);
    });

    it("refuses, at start-up, a configured key that is a shared secret or a private key", async () => {
      const base = await config();
      const withKey = (key: Record<string, unknown>) => ({
        ...base,
        api: { bearer: { issuer: ISSUER, audience: AUDIENCE, keys: [key] } },
      });
      assert.throws(
        () => parseConfig(withKey({ kty: "oct", k: "c2VjcmV0" }) as TandemConfigInput),
        /api\.bearer\.keys\[0\]\.kty: must be one of "RSA", "EC" \(got "oct"\)/,
      );
      assert.throws(
        () =>
          parseConfig(
            withKey({ kty: "EC", crv: "P-256", x: "a", y: "b", d: "c" }) as TandemConfigInput,
          ),
        /api\.bearer\.keys\[0\]: is a private key/,
      );
    });

    for (const [platform, on] of [
      ["with WEBSITE_AUTH_ENABLED", () => platformFns],
      ["without it", () => fns],
    ] as const)
      it(`a forged x-ms-client-principal is refused (401), ${platform}, whatever token is beside it`, async () => {
        const principal = clientPrincipal("cli@example.test", ["Tandem.Reader"]);
        const beside: Record<string, string>[] = [
          {},
          { authorization: "Bearer already-validated-by-the-platform" },
        ];
        for (const extra of beside) {
          const answer = await send(
            {
              method: "GET",
              path: "/api/status",
              headers: { "x-ms-client-principal": principal, ...extra },
            },
            on(),
          );
          assert.equal(answer.status, 401);
          assert.match(
            String(answer.headers && new Headers(answer.headers).get("www-authenticate")),
            /^Bearer/,
          );
        }
      });

    it("refuses a reason with control characters, so none reach the audit log", async () => {
      const answer = await send({
        path: "/api/groups/shop/pause",
        params: { group: "shop", command: "pause" },
        body: { reason: "fine\n2026-01-01 done admin api resume" },
        headers: await operator(),
      });
      assert.equal(answer.status, 400);
      assert.equal(json(answer).error.field, "reason");
    });
  });

  describe("commands", () => {
    before(async () => {
      // Fuzzing may have opened incidents (its accepted paths): end them, so these start clean.
      for (const stored of await store.readIncidents("shop"))
        if (!["completed", "failed", "aborted"].includes(stored.incident.step))
          await store.writeIncident({ ...stored.incident, step: "aborted" }, stored.etag);
    });

    it("a dry run returns the plan and changes nothing: levers and store are as before", async () => {
      const before = await snapshot();
      const answer = await send({
        path: "/api/groups/shop/failover",
        params: { group: "shop", command: "failover" },
        body: { to: "northeurope", reason: "what would happen", dryRun: true },
        headers: await operator(),
      });
      assert.equal(answer.status, 200);
      const plan = json(answer).plan;
      assert.equal(plan.outcome, "completed");
      assert.deepEqual(
        plan.steps.map((s: { step: string }) => s.step),
        ["confirmed", "shifting-traffic", "verifying", "completed"],
      );
      assert.deepEqual(
        plan.calls.map((c: { change: string }) => c.change),
        ["promote northeurope"],
      );
      assert.equal(plan.routingAfter.primary, "northeurope");
      const drill = await send({
        path: "/api/groups/shop/drill",
        params: { group: "shop", command: "drill" },
        body: { reason: "quarterly drill" },
        headers: await operator(),
      });
      assert.equal(drill.status, 200);
      assert.equal(json(drill).failover.outcome, "completed");
      assert.equal(json(drill).failback.outcome, "completed");
      assert.equal(
        json(drill).failback.routingBefore.primary,
        "northeurope",
        "it starts where the failover left",
      );
      assert.deepEqual(
        json(drill).failback.calls.map((c: { change: string }) => c.change),
        ["promote westeurope"],
      );
      const after = JSON.parse(await snapshot());
      const was = JSON.parse(before);
      assert.deepEqual(after.routing, was.routing);
      assert.deepEqual(after.incidents, was.incidents);
      assert.deepEqual(after.pause, was.pause);
      assert.equal(after.changes, was.changes);
    });

    it("a retried command with the same idempotency key opens one incident; another command meanwhile gets 409", async () => {
      const call = async (key: string, body: object) =>
        send({
          path: "/api/groups/shop/failover",
          params: { group: "shop", command: "failover" },
          body,
          headers: { ...(await operator()), "idempotency-key": key },
        });
      const body = { to: "northeurope", reason: "move traffic for maintenance" };
      const first = await call("key-1", body);
      assert.equal(first.status, 202, JSON.stringify(first.jsonBody));
      const again = await call("key-1", body);
      assert.equal(again.status, 202);
      assert.equal(json(again).incident, json(first).incident);
      assert.equal(json(again).repeated, true);
      const open = (await store.readIncidents("shop")).filter(
        (s) => s.incident.requestKey === "key-1",
      );
      assert.equal(open.length, 1);
      const shown = await fns.get("incident")!.handler(
        request({
          method: "GET",
          path: `/api/incidents/${json(first).incident}`,
          params: { id: json(first).incident },
          headers: await operator(),
        }),
        context(),
      );
      const actions = json(shown).actions as { actor: string; name: string; outcome: string }[];
      assert.deepEqual(
        [...new Set(actions.map((a) => `${a.actor}: ${a.name}`))],
        ["ops@example.test: api failover"],
        "the incident shows who asked for it",
      );
      assert.deepEqual(
        actions.map((a) => a.outcome),
        ["started", "done", "done"],
        "intent before the write, then the outcome, then the retry",
      );

      const other = await call("key-2", { to: "northeurope", reason: "someone else" });
      assert.equal(other.status, 409);
      assert.equal(json(other).error.incident, json(first).incident);
      const reused = await call("key-1", { to: "westeurope", reason: "same key, other command" });
      assert.equal(reused.status, 422, "a key reused for another request is 422 (IETF draft)");
      assert.equal(json(reused).error.code, "IdempotencyKeyReused");
      assert.match(
        json(reused).error.message,
        /Idempotency-Key "key-1" was used for a different request \(incident /,
      );
    });

    it("two copies of one keyed request sent at once open one incident", async () => {
      for (const stored of await store.readIncidents("shop"))
        if (!["completed", "failed", "aborted"].includes(stored.incident.step))
          await store.writeIncident({ ...stored.incident, step: "aborted" }, stored.etag);
      const headers = { ...(await operator()), "idempotency-key": "race-1" };
      const call = () =>
        send({
          path: "/api/groups/shop/failover",
          params: { group: "shop", command: "failover" },
          body: { to: "northeurope", reason: "client retried after a timeout" },
          headers,
        });
      const [a, b] = await Promise.all([call(), call()]);
      assert.deepEqual([a.status, b.status], [202, 202]);
      assert.equal(json(a).incident, json(b).incident);
      assert.equal(
        (await store.readIncidents("shop")).filter((s) => s.incident.requestKey === "race-1")
          .length,
        1,
      );
    });

    it("two pauses at once both count: the second write sees the first and tries again", async () => {
      // Both read the flags before either writes: a real race, not two calls in turn.
      let waiting: (() => void)[] = [];
      const racedRead = async () => {
        const read = await store.readPause();
        if (waiting !== undefined && waiting.length < 1) {
          await new Promise<void>((resolve) => waiting.push(resolve));
        } else if (waiting !== undefined) {
          waiting.forEach((go) => go());
          waiting = undefined as never;
        }
        return read;
      };
      const racing = new Proxy(store, {
        get(target, prop) {
          if (prop === "readPause") return racedRead;
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const raced: Runtime = { ...rt, store: racing };
      const caller = { name: "ops@example.test", via: "bearer" };
      const [a, b] = await Promise.all([
        setPause(raced, caller, "shop", true, "one"),
        setPause(raced, caller, undefined, true, "two"),
      ]);
      assert.deepEqual([a.kind, b.kind], ["done", "done"]);
      const paused = await store.readPause();
      assert.deepEqual([paused.all, paused.groups], [true, ["shop"]]);
      await setPause(rt, caller, undefined, false, "done");
      assert.deepEqual((await store.readPause()).groups, []);
    });

    it("answers 404 naming the field for an unknown group or region", async () => {
      const group = await send({
        path: "/api/groups/atlantis/failover",
        params: { group: "atlantis", command: "failover" },
        body: { to: "northeurope", reason: "nope", dryRun: true },
        headers: await operator(),
      });
      assert.equal(group.status, 404);
      assert.equal(json(group).error.field, "group");
      const region = await send({
        path: "/api/groups/shop/failover",
        params: { group: "shop", command: "failover" },
        body: { to: "mars", reason: "nope", dryRun: true },
        headers: await operator(),
      });
      assert.equal(region.status, 404);
      assert.equal(json(region).error.field, "to");
    });
  });

  describe("from where", () => {
    it("an audited command records the last X-Forwarded-For entry as from, and the whole chain", async () => {
      const sent = async (forwarded: string) => {
        const answer = await send({
          path: "/api/groups/shop/drill",
          params: { group: "shop", command: "drill" },
          body: { reason: "where from" },
          headers: { ...(await operator()), "x-forwarded-for": forwarded },
        });
        assert.equal(answer.status, 200);
        const entry = (await store.readActions()).filter((a) => a.name === "api drill").at(-1)!;
        return JSON.parse(entry.detail!) as { from: string; forwarded?: string };
      };
      const chained = await sent("127.0.0.1, 10.1.2.3, [2001:db8::7]:50123");
      assert.equal(chained.from, "[2001:db8::7]:50123", "the last entry, whole");
      assert.equal(chained.forwarded, "127.0.0.1, 10.1.2.3, [2001:db8::7]:50123");
      const single = await sent("198.51.100.4");
      assert.equal(single.from, "198.51.100.4");
      assert.equal("forwarded" in single, false, "no chain when there is only the address");
      assert.equal((await sent("")).from, "unknown", "no address stated");
    });
  });

  describe("read models", () => {
    it("lists incidents newest first, shows one with its steps, and pages the audit log newest first", async () => {
      const headers = await operator();
      const list = await send({ method: "GET", path: "/api/incidents", headers });
      assert.equal(list.status, 200);
      const incidents = json(list).incidents;
      assert.ok(incidents.length >= 1);
      const one = await fns.get("incident")!.handler(
        request({
          method: "GET",
          path: `/api/incidents/${incidents[0].id}`,
          params: { id: incidents[0].id },
          headers,
        }),
        context(),
      );
      assert.equal(json(one).id, incidents[0].id);
      assert.ok(Array.isArray(json(one).history));

      const page1 = json(
        await send({ method: "GET", path: "/api/audit", headers: { ...headers } }),
      );
      const all = await store.readActions();
      assert.equal(page1.entries[0].id, all.at(-1)!.id, "newest first");
      const small = await fns
        .get("audit")!
        .handler(request({ method: "GET", path: "/api/audit?limit=2", headers }), context());
      const first = json(small);
      assert.equal(first.entries.length, 2);
      // An entry written between two pages does not shift the next page.
      await store.appendAction({
        at: Date.now(),
        actor: "x",
        epoch: 0,
        name: "meanwhile",
        outcome: "done",
      });
      const next = await fns
        .get("audit")!
        .handler(
          request({ method: "GET", path: `/api/audit?limit=2&before=${first.next}`, headers }),
          context(),
        );
      const ids = all.map((a) => a.id);
      assert.deepEqual(
        json(next).entries.map((e: { id: string }) => e.id),
        [ids.at(-3), ids.at(-4)],
        "the next page continues where the first ended",
      );
      const bad = await fns
        .get("audit")!
        .handler(request({ method: "GET", path: "/api/audit?limit=0", headers }), context());
      assert.equal(json(bad).error.field, "limit");
    });

    it("pages an incident's entries (the latest, oldest first) and the refused-call counts", async () => {
      const headers = await operator();
      const byIncident = new Map<string, string[]>();
      for (const a of await store.readActions())
        if (a.incident) byIncident.set(a.incident, [...(byIncident.get(a.incident) ?? []), a.id!]);
      const [id, ids] = [...byIncident].find(([, list]) => list.length >= 3)!;
      const detail = async (query: string) =>
        json(
          await fns.get("incident")!.handler(
            request({
              method: "GET",
              path: `/api/incidents/${id}${query}`,
              params: { id },
              headers,
            }),
            context(),
          ),
        );
      const all = await detail("");
      assert.deepEqual(
        all.actions.map((a: { id: string }) => a.id),
        ids,
        "every entry, oldest first",
      );
      assert.equal(all.actionsBefore, undefined);
      const latest = await detail("?limit=2");
      assert.deepEqual(
        latest.actions.map((a: { id: string }) => a.id),
        ids.slice(-2),
        "the latest two, oldest first",
      );
      const earlier = await detail(`?limit=2&before=${latest.actionsBefore}`);
      assert.deepEqual(
        earlier.actions.map((a: { id: string }) => a.id),
        ids.slice(-4, -2),
      );
      assert.equal((await detail("?before=not%20a%20cursor")).error.field, "before");

      await refusedCallsSettled(rt);
      const refused = async (query: string) =>
        json(
          await fns
            .get("auditRefused")!
            .handler(
              request({ method: "GET", path: `/api/audit/refused${query}`, headers }),
              context(),
            ),
        );
      const first = await refused("?limit=1");
      assert.equal(first.entries.length, 1);
      assert.equal(first.nextUrl, `/api/audit/refused?limit=1&before=${first.next}`);
      const second = await refused(`?limit=1&before=${first.next}`);
      assert.notEqual(second.entries[0].id, first.entries[0].id);
      for (const key of ["minute", "actor", "from", "count", "firstAt", "lastAt", "name", "reason"])
        assert.ok(key in first.entries[0], `a count says its ${key}`);
    });
  });
});
