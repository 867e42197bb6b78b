// The shop group behind the ARM emulator's Traffic Manager profile and AKS clusters, observed from
// westeurope and northeurope through the real Azure SDK clients over HTTPS, with the clock in the
// test's hands: for readiness and practice runs that must see Azure's side as the levers do.
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runObserverTick } from "../../src/app/observer-tick.js";
import type { ReadinessView } from "../../src/app/readiness.js";
import { readinessSettled } from "../../src/app/readiness.js";
import type { Runtime } from "../../src/app/runtime.js";
import { readStatus } from "../../src/app/status.js";
import { renderStatusPage } from "../../src/app/status-page.js";
import type { TandemEvent } from "../../src/core/events.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { Prober } from "../../src/ports/prober.js";
import type { Telemetry } from "../../src/ports/telemetry.js";
import { noTelemetry } from "../../src/ports/telemetry.js";
import { sandboxCredential } from "../../src/sandbox/credential.js";
import type { ArmFixture } from "./arm.js";
import { AKS_NEU, AKS_WEU, startArm } from "./arm.js";
import { ManualTimeRealWaits, runtimeFor } from "./runtime.js";
import { tmShop } from "./tm-shop.js";

const OBSERVERS = ["westeurope", "northeurope"];

/**
 * shop of `model`: westeurope primary and northeurope secondary, each an endpoint of TM_PROFILE
 * and an AKS cluster (no pools to scale on a wake).
 */
export const armShop = (
  model: "active-passive" | "passive-cold",
  policy: TandemConfigInput["policy"],
): TandemConfigInput => ({
  observers: OBSERVERS.map((region) => ({ region })),
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy,
  groups: [
    {
      ...tmShop(
        {
          probe: { url: "https://weu.shop.test/health" },
          cluster: { resourceId: AKS_WEU, nodePools: [] },
        },
        {
          probe: { url: "https://neu.shop.test/health", certificateWarningDays: 14 },
          cluster: { resourceId: AKS_NEU, nodePools: [] },
        },
      ),
      model,
    },
  ],
});

interface EmulatorRig {
  readonly arm: ArmFixture;
  readonly clock: ManualTimeRealWaits;
  readonly store: MemoryStateStore;
  readonly runtimes: readonly Runtime[];
  /** Every event either runtime emitted, in order. */
  readonly events: TandemEvent[];
  /** The `tandem.readiness` metrics sent (cleared by the test as it likes). */
  readonly metrics: { value: number; check: string }[];
  /** Days left on a host's certificate as the probes read it (90 unless set). */
  readonly certificateDays: Map<string, number>;
  /** Moves the clock by `ms`, then runs each observer's tick and waits for its readiness run. */
  tick(ms: number): Promise<void>;
  /** Ticks every 10 s until the clock reaches `iso`. */
  until(iso: string): Promise<void>;
  /**
   * A readiness interval later (a tick reads the levers, the next lands a read that came late on
   * a loaded machine, the third judges what they said): the group's readiness in the status, and
   * the status page of it.
   */
  judge(): Promise<{ readiness: ReadinessView | null; page: string }>;
  /** The readiness events emitted so far, by type. */
  told(): string[];
}

/**
 * Runs `body` on a rig for `raw` (a config of shop on the emulator), its clock at `at`, its app
 * settings `env`: both clusters have one system pool of 2 nodes, the primary's running, the
 * standby's as `standbyRunning` says (stopped: it has never been started). The emulator stops
 * after it.
 */
export async function withEmulatorRig(
  raw: TandemConfigInput,
  setup: {
    readonly standbyRunning: boolean;
    readonly at: number;
    readonly env?: Record<string, string>;
  },
  body: (rig: EmulatorRig) => Promise<void>,
): Promise<void> {
  const arm = await startArm();
  try {
    for (const [id, location, running] of [
      [AKS_WEU, "westeurope", true],
      [AKS_NEU, "northeurope", setup.standbyRunning],
    ] as const)
      arm.aks.addCluster({
        id,
        location,
        running,
        pools: [{ name: "system", count: 2, mode: "System" }],
      });
    const certificateDays = new Map<string, number>();
    const prober: Prober = {
      probe: async (request) => ({
        ok: true,
        latencyMs: 3,
        statusCode: 200,
        certificateDaysLeft: certificateDays.get(new URL(request.url).hostname) ?? 90,
      }),
    };
    const clock = new ManualTimeRealWaits(1, setup.at);
    const store = new MemoryStateStore();
    const events: TandemEvent[] = [];
    const metrics: { value: number; check: string }[] = [];
    const telemetry: Telemetry = {
      ...noTelemetry,
      metric: (name, value, properties) => {
        if (name === "tandem.readiness")
          metrics.push({ value, check: properties?.["check"] ?? "" });
      },
    };
    const { credential: _, ...conn } = arm.conn;
    const runtimes: Runtime[] = [];
    for (const observer of OBSERVERS)
      runtimes.push(
        await runtimeFor(raw, observer, {
          store,
          clock,
          prober,
          arm: conn,
          credential: sandboxCredential,
          subscribers: [{ name: "test", fn: (e) => void events.push(e) }],
          telemetry,
          ...(setup.env ? { env: setup.env } : {}),
        }),
      );
    const tick = async (ms: number) => {
      clock.advance(ms);
      for (const rt of runtimes) await runObserverTick(rt);
      for (const rt of runtimes) await readinessSettled(rt);
    };
    await body({
      arm,
      clock,
      store,
      runtimes,
      events,
      metrics,
      certificateDays,
      tick,
      until: async (iso) => {
        while (clock.now() < Date.parse(iso)) await tick(10_000);
      },
      judge: async () => {
        for (const step of [11_000, 11_000, 61_000]) await tick(step);
        const status = await readStatus(runtimes[0]!);
        return { readiness: status.groups[0]!.readiness, page: renderStatusPage(status) };
      },
      told: () =>
        events
          .filter((e) => e.type === "readiness.lost" || e.type === "readiness.regained")
          .map((e) => e.type),
    });
  } finally {
    await arm.stop();
  }
}
