// What reaches the emulator must be what the real services accept: every write's body is read
// back through the SDK's own models (the classic SDKs' mappers, the new SDK's serializers), and
// every member must survive the round trip (no field the service's model does not have, none in
// the wrong place). Paths and api-versions are the emulator's to check: it answers anything
// else with ARM's errors.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { createSerializer } from "@azure/core-client";
import * as CdnMappers from "@azure/arm-cdn/dist-esm/src/models/mappers.js";
import * as TmMappers from "@azure/arm-trafficmanager/dist-esm/src/models/mappers.js";
import { TrafficManagerManagementClient } from "@azure/arm-trafficmanager";
import { CdnManagementClient } from "@azure/arm-cdn";
import { API_VERSIONS as TM_VERSIONS } from "../../../src/providers/traffic-manager/emulator.js";
import { API_VERSIONS as FD_VERSIONS } from "../../../src/providers/front-door/emulator.js";
import { sandboxCredential } from "../../../src/sandbox/credential.js";
import { SUBSCRIPTION, startArm } from "../../helpers/arm.js";
import { waitFor } from "../../helpers/wait.js";
import { armLevers } from "../../helpers/arm-levers.js";

interface AksModels {
  agentPoolSerializer(item: unknown): unknown;
  agentPoolDeserializer(item: unknown): unknown;
}

/** The new SDK's serializers are not exported; they are read from its files (tests only). */
async function aksModels(): Promise<AksModels> {
  const file = resolve("node_modules/@azure/arm-containerservice/dist/esm/models/models.js");
  return (await import(pathToFileURL(file).href)) as AksModels;
}

/** JSON as it travels: undefined members dropped. */
const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * Every member of what was sent survives the model's round trip with its value (a member the
 * model does not know is dropped by it; the model may add its own defaults, which is fine).
 */
function assertKept(sent: unknown, again: unknown, where: string): void {
  if (typeof sent !== "object" || sent === null || Array.isArray(sent)) {
    assert.deepEqual(again, sent, where);
    return;
  }
  assert.equal(typeof again, "object", `${where}: the model has no object here`);
  for (const [key, value] of Object.entries(sent))
    assertKept(value, (again as Record<string, unknown>)[key], `${where}.${key}`);
}

describe("requests the Azure adapters send", () => {
  it("use the api-versions of the SDKs in package-lock.json, which the emulator serves", () => {
    const tm = new TrafficManagerManagementClient(sandboxCredential, SUBSCRIPTION);
    const cdn = new CdnManagementClient(sandboxCredential, SUBSCRIPTION);
    assert.deepEqual([tm.apiVersion], TM_VERSIONS);
    assert.deepEqual([cdn.apiVersion], FD_VERSIONS);
  });

  it("have bodies whose every member the SDK's own models keep", async () => {
    const arm = await startArm({ clusterStartMs: 50 });
    try {
      const { tm, fd, aks } = armLevers(arm);
      await tm.promote("shop", "northeurope");
      await tm.setEnabled("shop", "westeurope", false);
      await fd.promote("catalog", "northeurope");
      await fd.setEnabled("catalog", "westeurope", false);
      await aks.start("catalog", "northeurope");
      await waitFor("the cluster to run", async () =>
        (await aks.read("catalog", "northeurope")).power === "Running" ? true : undefined,
      );
      await aks.scale("catalog", "northeurope", [{ name: "user", count: 5 }]);
      await aks.scale("catalog", "westeurope", [
        { name: "system", count: 3, minCount: 2, maxCount: 5 },
      ]);

      const tmSerializer = createSerializer(TmMappers as never);
      const cdnSerializer = createSerializer(CdnMappers as never);
      const models = await aksModels();
      const writes = arm.emulator.requests.filter((r) => r.method !== "GET");
      assert.deepEqual(
        [...new Set(writes.map((w) => `${w.method} ${w.path.split("/").slice(-2, -1)[0]}`))].sort(),
        ["PATCH ExternalEndpoints", "PATCH origins", "POST aks-neu", "PUT agentPools"],
      );
      for (const w of writes) {
        assert.ok(w.status >= 200 && w.status < 300, `${w.method} ${w.path} answered ${w.status}`);
        if (w.method === "POST") {
          assert.equal(w.body, undefined, "start has no body");
          continue;
        }
        let again: unknown;
        if (w.path.includes("/ExternalEndpoints/")) {
          const model = tmSerializer.deserialize(TmMappers.Endpoint, w.body, "body");
          again = tmSerializer.serialize(TmMappers.Endpoint, model, "body");
        } else if (w.path.includes("/origins/")) {
          const mapper = CdnMappers.AFDOriginUpdateParameters;
          again = cdnSerializer.serialize(
            mapper,
            cdnSerializer.deserialize(mapper, w.body, "body"),
            "body",
          );
        } else {
          again = models.agentPoolSerializer(models.agentPoolDeserializer(w.body));
        }
        assertKept(w.body, wire(again), `${w.method} ${w.path.split("/").slice(-2).join("/")}`);
      }
    } finally {
      await arm.stop();
    }
  });
});
