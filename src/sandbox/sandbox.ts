// The local sandbox behind `npm start`: Azurite for the state store, two emulated regional apps,
// an emulated global entry point, two observers on the local host, and a fault API. Everything
// listens on loopback only; everything stops on stop().
import type { Runtime } from "../app/runtime.js";
import { compose } from "../compose.js";
import type { TandemConfig, TandemConfigInput } from "../config/index.js";
import { parseConfig } from "../config/index.js";
import type { Azurite } from "./azurite.js";
import { startAzurite } from "./azurite.js";
import { EntryPoint } from "./entry-point.js";
import type { LocalResponse, LocalRoute } from "./http-host.js";
import type { LocalHost, Schedules } from "./local-host.js";
import { schedulesForInterval, startLocalHost } from "./local-host.js";
import { RegionalApp } from "./regional-app.js";
import { MemoryTrafficRouter } from "../adapters/traffic/memory.js";
import { primaryOf } from "../core/levers.js";

export const SANDBOX_REGIONS = ["westeurope", "northeurope"] as const;
const STORAGE_SETTING = "TANDEM_SANDBOX_STORAGE";

export interface SandboxOptions {
  /** Port of the local host; 0 picks a free one. */
  readonly port: number;
  readonly intervalSeconds?: number;
  readonly failureThreshold?: number;
  /** How long a recovered region stays "recovering" before it is healthy. */
  readonly dwellSeconds?: number;
  readonly output?: (line: string) => void;
  readonly verbose?: boolean;
}

export interface Sandbox {
  readonly url: string;
  readonly config: TandemConfig;
  readonly regions: ReadonlyMap<string, RegionalApp>;
  readonly entryPoint: EntryPoint;
  readonly router: MemoryTrafficRouter;
  readonly azurite: Azurite;
  readonly schedules: Schedules;
  stop(): Promise<void>;
}

export function sandboxConfig(
  apps: ReadonlyMap<string, RegionalApp>,
  controls: ReadonlyMap<string, RegionalApp>,
  entryPoint: EntryPoint,
  options: { intervalSeconds: number; failureThreshold: number; dwellSeconds: number },
): TandemConfigInput {
  const url = (region: string) => apps.get(region)!.healthUrl;
  return {
    observers: SANDBOX_REGIONS.map((region) => ({
      region,
      controlUrl: controls.get(region)!.healthUrl,
    })),
    stateStore: { connection: `env:${STORAGE_SETTING}`, table: "tandem" },
    policy: {
      intervalSeconds: options.intervalSeconds,
      probeTimeoutSeconds: Math.min(1, options.intervalSeconds / 2),
      failureThreshold: options.failureThreshold,
      successThreshold: 2,
      dwellSeconds: options.dwellSeconds,
      // The sandbox shows the whole cycle: fail over, and fail back once the dwell time has passed.
      autoFailback: true,
      maxAutoFailovers: 10,
      autoFailoverWindowMinutes: 10,
      stepTimeoutSeconds: 30,
    },
    groups: [
      {
        name: "shop",
        model: "active-passive",
        entryPoint: { url: entryPoint.healthUrl },
        regions: [
          { name: "westeurope", role: "primary", probe: { url: url("westeurope") } },
          { name: "northeurope", role: "secondary", probe: { url: url("northeurope") } },
        ],
      },
    ],
  };
}

/** Sets the mode of one app of a map, answering 404 with the known names for an unknown one. */
function setter(apps: ReadonlyMap<string, RegionalApp>, what: string, state: () => object) {
  return (mode: "up" | "down") =>
    (params: Record<string, string>): LocalResponse => {
      const app = apps.get(params["region"] ?? "");
      if (!app)
        return {
          status: 404,
          body: {
            error: {
              code: "UnknownRegion",
              message: `no sandbox ${what} "${params["region"]}"; ${what}s: ${[...apps.keys()].join(", ")}`,
            },
          },
        };
      app.mode = mode;
      return { status: 200, body: state() };
    };
}

function faultRoutes(
  apps: ReadonlyMap<string, RegionalApp>,
  controls: ReadonlyMap<string, RegionalApp>,
): LocalRoute[] {
  const modes = (map: ReadonlyMap<string, RegionalApp>) =>
    Object.fromEntries([...map].map(([name, app]) => [name, app.mode]));
  const state = () => ({
    regions: modes(apps),
    observers: Object.fromEntries(
      [...controls].map(([name, c]) => [name, c.mode === "up" ? "ok" : "impaired"]),
    ),
  });
  const region = setter(apps, "region", state);
  const observer = setter(controls, "observer", state);
  return [
    { method: "GET", path: "/sandbox/regions", handle: () => ({ status: 200, body: state() }) },
    { method: "POST", path: "/sandbox/regions/{region}/down", handle: region("down") },
    { method: "POST", path: "/sandbox/regions/{region}/up", handle: region("up") },
    { method: "POST", path: "/sandbox/observers/{region}/impair", handle: observer("down") },
    { method: "POST", path: "/sandbox/observers/{region}/restore", handle: observer("up") },
    {
      method: "POST",
      path: "/sandbox/heal",
      handle: () => {
        for (const app of [...apps.values(), ...controls.values()]) app.mode = "up";
        return { status: 200, body: state() };
      },
    },
  ];
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const output = options.output ?? (() => {});
  const intervalSeconds = options.intervalSeconds ?? 2;
  const failureThreshold = options.failureThreshold ?? 3;
  const dwellSeconds = options.dwellSeconds ?? 10;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const pending = stops.splice(0).reverse();
    for (const stop of pending) await stop().catch(() => {});
  };

  try {
    const azurite = await startAzurite(0);
    stops.push(() => azurite.stop());

    const apps = new Map(SANDBOX_REGIONS.map((r) => [r, new RegionalApp(r)] as const));
    for (const app of apps.values()) {
      await app.start();
      stops.push(() => app.stop());
    }
    // Each observer's control target: fails only when the fault API impairs that observer.
    const controls = new Map(
      SANDBOX_REGIONS.map((r) => [r, new RegionalApp(`control-${r}`)] as const),
    );
    for (const control of controls.values()) {
      await control.start();
      stops.push(() => control.stop());
    }
    // The emulated traffic lever: the entry point follows whatever the runbook sets on it.
    const router = new MemoryTrafficRouter([
      {
        name: "shop",
        model: "active-passive",
        regions: [
          { name: "westeurope", role: "primary" },
          { name: "northeurope", role: "secondary" },
        ],
      },
    ]);
    const byName: ReadonlyMap<string, RegionalApp> = apps;
    const entryPoint = new EntryPoint(() => byName.get(primaryOf(router.peek("shop")) ?? ""));
    await entryPoint.start();
    stops.push(() => entryPoint.stop());

    const config = parseConfig(
      sandboxConfig(apps, controls, entryPoint, {
        intervalSeconds,
        failureThreshold,
        dwellSeconds,
      }),
      "sandbox configuration",
    );
    const env = { [STORAGE_SETTING]: azurite.connectionString };
    const runtimes: Runtime[] = [];
    for (const observer of SANDBOX_REGIONS) {
      runtimes.push(
        await compose({ config, observer, env, router, source: "sandbox configuration" }),
      );
    }

    const schedules = schedulesForInterval(intervalSeconds);
    const host: LocalHost = await startLocalHost({
      runtimes,
      port: options.port,
      schedules,
      routes: faultRoutes(apps, controls),
      output,
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
    });
    stops.push(() => host.stop());

    return {
      url: host.url,
      config,
      regions: apps,
      entryPoint,
      router,
      azurite,
      schedules,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
