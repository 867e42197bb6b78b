// The catalog group on the ARM emulator, for runbook tests that drive the real Azure adapters
// over HTTPS: westeurope primary, northeurope secondary on the emulated AKS cluster AKS_NEU
// (stopped until the runbook wakes it), probes that are never sent (the tests give verdicts).
import assert from "node:assert/strict";
import { tickLease } from "../../src/app/lease-keeper.js";
import type { RunbookOutcome } from "../../src/app/runbook-tick.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { sandboxCredential } from "../../src/sandbox/credential.js";
import type { ArmFixture } from "./arm.js";
import { AKS_NEU } from "./arm.js";
import { evidenceOf, takeLease } from "./catalog-runbook.js";
import type { ManualClock } from "./runtime.js";
import { runtimeFor } from "./runtime.js";

type GroupInput = TandemConfigInput["groups"][number];

/** A config of catalog alone behind `traffic`, observed from westeurope and northeurope. */
export const armCatalog = (
  traffic: GroupInput["traffic"],
  policy: TandemConfigInput["policy"],
): TandemConfigInput => ({
  observers: [{ region: "westeurope" }, { region: "northeurope" }],
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy,
  groups: [
    {
      name: "catalog",
      model: "passive-cold",
      traffic,
      regions: [
        {
          name: "westeurope",
          role: "primary",
          probe: { url: "http://127.0.0.1:9/a" },
          traffic: { endpoint: "weu" },
        },
        {
          name: "northeurope",
          role: "secondary",
          probe: { url: "http://127.0.0.1:9/b" },
          traffic: { endpoint: "neu" },
          cluster: { resourceId: AKS_NEU, nodePools: [{ name: "user", count: 4 }] },
        },
      ],
    },
  ],
});

/** westeurope's runtime over the emulator, with an in-memory store, holding the lease. */
export async function armHolder(
  arm: ArmFixture,
  raw: TandemConfigInput,
  clock: ManualClock,
): Promise<Runtime> {
  const { credential: _, ...conn } = arm.conn;
  const rt = await runtimeFor(raw, "westeurope", {
    store: new MemoryStateStore(),
    clock,
    arm: conn,
    credential: sandboxCredential,
  });
  await takeLease(rt, clock);
  return rt;
}

/** westeurope down; northeurope healthy once the emulated cluster serves with its pools. */
function armVerdicts(arm: ArmFixture) {
  const up = arm.aks.serves(AKS_NEU) && (arm.aks.power(AKS_NEU).pools["user"] ?? 0) >= 4;
  return evidenceOf({ westeurope: "down", northeurope: up ? "healthy" : "down" });
}

/**
 * One tick of the holder on catalog: the lease renewed (and still held), then the runbook's step
 * on the verdicts above with the entry point as given, `tickMs` to run.
 */
export async function armTick(
  arm: ArmFixture,
  rt: Runtime,
  entryHealthy: boolean,
  tickMs = 10_000,
): Promise<RunbookOutcome> {
  const lease = await tickLease(rt);
  assert.ok(lease.leader);
  const { evidence, kept } = armVerdicts(arm);
  return runbookTick(rt, rt.config.groups[0]!, evidence, kept, entryHealthy, lease.epoch!, {
    deadline: rt.clock.now() + tickMs,
    verdictChanged: true,
    operation: "test",
  });
}
