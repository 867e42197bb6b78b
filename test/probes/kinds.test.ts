// Every built-in probe kind passes the probe kind contract; the registry refuses a kind, a
// scheme or a field declared twice, and the engine fails a request of a kind it does not know.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProbeEngine } from "../../src/probes/engine.js";
import { PROBE_KINDS, withProbeKinds } from "../../src/probes/registry.js";
import type { ProbeKind } from "../../src/probes/types.js";
import { probeKindContract } from "./contract.js";

for (const kind of PROBE_KINDS) probeKindContract(kind);

describe("probe kind registry", () => {
  const [http, tcp] = PROBE_KINDS;
  const like = (base: ProbeKind, change: Partial<ProbeKind>): ProbeKind => ({ ...base, ...change });

  it("refuses a kind, a scheme, or a field declared anew, that another kind has", () => {
    assert.throws(
      () => withProbeKinds(PROBE_KINDS, [like(tcp, { schemes: ["udp"] })]),
      /kind "tcp"/,
    );
    assert.throws(
      () => withProbeKinds(PROBE_KINDS, [like(tcp, { kind: "tcp2", schemes: ["https"] })]),
      /scheme "https:"/,
    );
    const fields = { ...http.fields, method: http.fields.method.optional() };
    assert.throws(
      () => withProbeKinds(PROBE_KINDS, [like(tcp, { kind: "t2", schemes: ["t2"], fields })]),
      /declares the field "method" anew/,
    );
    const shared = withProbeKinds(PROBE_KINDS, [
      like(tcp, { kind: "t3", schemes: ["t3"], fields: { method: http.fields.method } }),
    ]);
    assert.equal(shared.length, PROBE_KINDS.length + 1);
  });

  it("the engine fails a request of a kind it does not know, without throwing", async () => {
    const outcome = await new ProbeEngine().probe({
      kind: "gopher",
      url: "gopher://x/",
      timeoutMs: 1,
    });
    assert.deepEqual(outcome.error, { kind: "error", message: 'no probe kind "gopher" is known' });
  });
});
