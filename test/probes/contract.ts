// The contract every probe kind passes, against its own stand-in on loopback: a target that is up
// passes; a refused connection, a target that never answers (within the timeout) and a cancelled
// probe each fail with their kind of failure; a malformed request fails and never throws. A
// kind's request is built as the configuration builds it, from its URL and its fields' defaults.
import assert from "node:assert/strict";
import type { LookupFunction } from "node:net";
import { after, before, describe, it } from "node:test";
import { probeSchemaFor } from "../../src/config/probe-schema.js";
import type { ProbeRequest } from "../../src/ports/prober.js";
import { ProbeEngine } from "../../src/probes/engine.js";
import { withProbeKinds } from "../../src/probes/registry.js";
import type { ProbeKind, ProbeStandIn } from "../../src/probes/types.js";
import { closedPort } from "../helpers/servers.js";

/** Resolves every name to loopback: no real name is ever resolved. */
const loopback = ((_name: string, options: unknown, callback: (...args: unknown[]) => void) =>
  (options as { all?: boolean } | undefined)?.all
    ? callback(null, [{ address: "127.0.0.1", family: 4 }])
    : callback(null, "127.0.0.1", 4)) as unknown as LookupFunction;

export function probeKindContract(kind: ProbeKind): void {
  describe(`probe kind contract: ${kind.kind}`, () => {
    const kinds = withProbeKinds([], [kind]);
    const engine = new ProbeEngine({ kinds, lookup: loopback });
    const schema = probeSchemaFor(kinds);
    let standIn: ProbeStandIn;
    before(async () => {
      assert.ok(kind.standIn, `probe kind ${kind.kind} names its stand-in`);
      const module = (await import(kind.standIn)) as { startStandIn(): Promise<ProbeStandIn> };
      standIn = await module.startStandIn();
    });
    after(async () => {
      engine.close();
      await standIn.close();
    });

    const requestFor = async (url: string, timeoutMs = 2000): Promise<ProbeRequest> => {
      const built = await kind.request(schema.parse({ url }), new URL(url), {
        path: ["probe"],
        timeoutMs,
        env: {},
        readText: () => Promise.reject(new Error("no files in the contract")),
      });
      assert.deepEqual(built.problems, []);
      assert.ok(built.request);
      assert.equal(built.request.kind, kind.kind);
      return built.request;
    };

    it("passes a target that is up", async () => {
      const outcome = await engine.probe(await requestFor(standIn.upUrl));
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.equal(outcome.error, undefined);
    });

    it("fails a refused connection as connect-refused", async () => {
      const url = new URL(standIn.upUrl);
      url.port = String(await closedPort());
      const outcome = await engine.probe(await requestFor(url.href));
      assert.equal(outcome.ok, false);
      assert.equal(outcome.error?.kind, "connect-refused", JSON.stringify(outcome));
    });

    it("fails a target that never answers, when its timeout runs out", async () => {
      const outcome = await engine.probe(await requestFor(standIn.hangUrl, 300));
      assert.equal(outcome.ok, false);
      assert.ok(
        ["timeout", "connect-timeout"].includes(outcome.error?.kind ?? ""),
        JSON.stringify(outcome),
      );
      assert.match(outcome.error?.message ?? "", /300 ms/);
    });

    it("honours an abort, before and during the probe", async () => {
      const request = await requestFor(standIn.hangUrl, 30_000);
      const controller = new AbortController();
      const during = engine.probe(request, { abortSignal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      assert.equal((await during).error?.kind, "aborted");
      const before = await engine.probe(request, { abortSignal: AbortSignal.abort() });
      assert.equal(before.error?.kind, "aborted");
    });

    it("never throws: a malformed request is a failed outcome", async () => {
      const request = await requestFor(standIn.upUrl);
      const broken = { ...request, url: "::", host: "", port: -1 } as ProbeRequest;
      const outcome = await engine.probe(broken);
      assert.equal(outcome.ok, false);
      assert.ok(outcome.error, JSON.stringify(outcome));
    });
  });
}
