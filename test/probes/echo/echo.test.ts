// A probe kind added by its folder alone (echo://): registered through withProbeKinds(), its URLs
// and its field are accepted by the configuration (and a field of another kind refused), it
// passes the probe kind contract, and a real probe tick probes through it, loading its
// implementation only then. Nothing in src/ knows the kind.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../../../src/app/probe-tick.js";
import { compose } from "../../../src/compose.js";
import type { TandemConfigInput } from "../../../src/config/index.js";
import { jsonSchema, parseConfig, validateConfig } from "../../../src/config/index.js";
import type { TandemEvent } from "../../../src/ports/events.js";
import { PROBE_KINDS, withProbeKinds } from "../../../src/probes/registry.js";
import type { ProbeStandIn } from "../../../src/probes/types.js";
import { PROVIDERS } from "../../../src/providers/registry.js";
import { ManualClock, twoRegionConfig } from "../../helpers/runtime.js";
import { probeKindContract } from "../contract.js";
import { startStandIn } from "./stand-in.js";
import { echo, loads } from "./index.js";

const kinds = withProbeKinds(PROBE_KINDS, [echo]);

type Probe = { url: string } & Record<string, unknown>;
const withProbes = (weu: Probe, neu: Probe = { url: "https://neu.example.test/" }) => {
  const config = twoRegionConfig({ westeurope: "", northeurope: "" }) as {
    groups: { regions: { probe: Probe }[] }[];
  } & TandemConfigInput;
  config.groups[0]!.regions[0]!.probe = weu;
  config.groups[0]!.regions[1]!.probe = neu;
  return config;
};

describe("a probe kind added by its folder alone (echo)", () => {
  it("its URLs and field are part of the configuration with it, and only with it", () => {
    const config = withProbes({ url: "echo://db.internal:7", message: "hello" });
    assert.equal(validateConfig(config, PROVIDERS, kinds).ok, true);
    const without = validateConfig(config);
    assert.ok(!without.ok);
    assert.deepEqual(
      without.problems.find((p) => p.path === "groups[0].regions[0].probe.url")?.message,
      "must be an absolute https, http or tcp://host:port URL",
    );
    assert.match(JSON.stringify(jsonSchema(PROVIDERS, kinds)), /echo:\/\/host:port/);
    assert.doesNotMatch(JSON.stringify(jsonSchema()), /echo:/);
  });

  it("refuses a field that does not apply to it, and its own on another kind, naming both", () => {
    const result = validateConfig(
      withProbes(
        { url: "echo://db.internal:7", method: "GET" },
        { url: "https://neu.example.test/", message: "hello" },
      ),
      PROVIDERS,
      kinds,
    );
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => `${p.path}: ${p.message}`),
      [
        "groups[0].regions[0].probe.method: applies to http and https probes only, not echo://",
        "groups[0].regions[1].probe.message: applies to echo:// probes only, not http and https",
      ],
    );
    const badUrl = validateConfig(withProbes({ url: "echo://db.internal" }), PROVIDERS, kinds);
    assert.ok(!badUrl.ok);
    assert.equal(badUrl.problems[0]?.message, "must be echo://host:port");
  });
});

probeKindContract(echo);

describe("a probe tick through the echo kind", () => {
  let standIn: ProbeStandIn;
  before(async () => (standIn = await startStandIn()));
  after(() => standIn.close());

  it("probes an echo target up and one that never answers down, loading the kind on first use", async () => {
    const config = withProbes(
      { url: standIn.upUrl },
      { url: standIn.hangUrl, timeoutSeconds: 0.3 },
    );
    const events: TandemEvent[] = [];
    const before = loads;
    const rt = await compose({
      config: parseConfig(config, "test configuration", PROVIDERS, kinds),
      observer: "westeurope",
      store: new MemoryStateStore(),
      clock: new ManualClock(),
      probeKinds: kinds,
      subscribers: [{ name: "recorder", fn: (e) => void events.push(e) }],
    });
    assert.equal(loads, before, "composing loads no probe implementation");
    await runProbeTick(rt);
    const outcomes = new Map(
      events.flatMap((e) => (e.type === "probe.outcome" ? [[e.target, e] as const] : [])),
    );
    assert.equal(outcomes.get("westeurope")?.ok, true, JSON.stringify(outcomes.get("westeurope")));
    assert.equal(outcomes.get("northeurope")?.ok, false);
    assert.equal(outcomes.get("northeurope")?.error?.kind, "timeout");
    assert.equal(loads, before + 1, "loaded once, on the first echo probe");
  });

  it("is refused at start-up, at its path, by a composition root not given the kind", async () => {
    const config = withProbes({ url: standIn.upUrl });
    await assert.rejects(
      compose({
        config: parseConfig(config, "test configuration", PROVIDERS, kinds),
        observer: "westeurope",
        store: new MemoryStateStore(),
      }),
      /groups\[0\]\.regions\[0\]\.probe\.url: names no known probe kind/,
    );
  });
});
