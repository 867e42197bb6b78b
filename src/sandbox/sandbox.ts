// The local sandbox behind `npm start`: Azurite for the state store, an emulated Azure Resource
// Manager (Traffic Manager, Front Door, AKS) that the real Azure SDK clients talk to over HTTPS,
// the sample application's regional stamps for two groups, emulated global entry points that route
// as the emulated levers say, two observers on the local host, and a fault API. Everything listens
// on loopback only; everything stops on stop().
//
//   shop     active-passive behind the Traffic Manager profile tm-shop
//   catalog  passive-cold behind the Front Door profile fd-catalog; its northeurope AKS cluster
//            is stopped until Tandem wakes it. With `data` (on in `npm start`), its data follows
//            its traffic: an Azure SQL failover group on two logical servers and a Cosmos DB
//            account with one write region (docs/data.md)
import { HttpPeers } from "../adapters/peers/http-peers.js";
import type { Peers } from "../ports/peers.js";
import type { Principal } from "../app/auth.js";
import type { Runtime } from "../app/runtime.js";
import type { ComposeOptions } from "../compose.js";
import type { ArmConnection } from "../adapters/azure/arm.js";
import { compose } from "../compose.js";
import { tableStoreFromConnectionString } from "../adapters/store/table/table-store.js";
import type { StateStore } from "../ports/state-store.js";
import { StoreError } from "../ports/state-store.js";
import type { TandemConfig, TandemConfigInput } from "../config/index.js";
import { parseConfig } from "../config/index.js";
import { ArmEmulator } from "./arm-emulator.js";
import type { AksService } from "../providers/aks/emulator.js";
import type { FrontDoorService } from "../providers/front-door/emulator.js";
import type { TrafficManagerService } from "../providers/traffic-manager/emulator.js";
import type { SqlService } from "../providers/sql-failover-group/emulator.js";
import type { CosmosDbService } from "../providers/cosmosdb/emulator.js";
import { TIMINGS } from "./arm/timing.js";
import type { Azurite } from "./azurite.js";
import { startAzurite } from "./azurite.js";
import { sandboxCredential } from "./credential.js";
import { EntryPoint } from "./entry-point.js";
import type { LocalResponse, LocalRoute } from "./http-host.js";
import type { LocalHost, Schedules } from "./local-host.js";
import { schedulesForInterval, startLocalHost } from "./local-host.js";
import { RegionalApp } from "./regional-app.js";
import { timeline } from "./timeline.js";
import type { NamedSubscriber } from "../ports/events.js";
import type { AlertTiming } from "../app/alerts/setup.js";
import type { ReceiverMode } from "./alert-receivers.js";
import { AlertReceivers, RECEIVER_MODES } from "./alert-receivers.js";
import { IngestionReceiver, describeEnvelope } from "./ingestion-receiver.js";
import { SETTINGS } from "../settings.js";

export const SANDBOX_REGIONS = ["westeurope", "northeurope"] as const;
const STORAGE_SETTING = "TANDEM_SANDBOX_STORAGE";
/** The prefix of the app settings that hold the sandbox's alert secrets (each receiver's own). */
const ALERT_SETTINGS = "TANDEM_SANDBOX";
const SHORT: Record<string, string> = { westeurope: "weu", northeurope: "neu" };

const SUBSCRIPTION = "00000000-0000-0000-0000-00000000cafe";
const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-tandem-sandbox`;
/** The emulated Azure resources of the sandbox; the sandbox identity may act on RG only. */
export const SANDBOX_RESOURCES = {
  resourceGroup: RG,
  shopProfile: `${RG}/providers/Microsoft.Network/trafficManagerProfiles/tm-shop`,
  catalogProfile: `${RG}/providers/Microsoft.Cdn/profiles/fd-catalog`,
  catalogOriginGroup: "catalog",
  catalogCluster: (region: string) =>
    `${RG}/providers/Microsoft.ContainerService/managedClusters/aks-catalog-${SHORT[region]}`,
  endpoint: (group: string, region: string) => `${group}-${SHORT[region]}`,
  /** With `data`: the catalog's SQL logical server in each region, and their failover group. */
  catalogSqlServer: (region: string) =>
    `${RG}/providers/Microsoft.Sql/servers/sql-catalog-${SHORT[region]}`,
  catalogFailoverGroup: "catalog-db",
  /** With `data`: the catalog's Cosmos DB account, write region westeurope. */
  catalogCosmos: `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-catalog`,
} as const;

/** The catalog's data stores with `data`, by name as the configuration, alerts and audit say. */
const SANDBOX_STORES = { sql: "products", cosmos: "reviews" } as const;

/** Each sandbox region's location as Cosmos DB and SQL spell it on their resources. */
const LOCATION: Record<string, string> = {
  westeurope: "West Europe",
  northeurope: "North Europe",
};

/**
 * Who calls the sandbox's API without credentials: an operator, so that the CLI and curl work
 * out of the box. Only the sandbox has it (everything is on loopback and nothing is real).
 */
export const SANDBOX_PRINCIPAL: Principal = {
  name: "sandbox-operator",
  // The sandbox's observers share its local host: they ask each other to probe through it.
  roles: ["reader", "operator", "observer"],
  via: "local",
};

export interface SandboxOptions {
  /** Port of the local host; 0 picks a free one. */
  readonly port: number;
  readonly intervalSeconds?: number;
  readonly failureThreshold?: number;
  /** How long a recovered region stays "recovering" before it is healthy. */
  readonly dwellSeconds?: number;
  /** How long the emulated AKS takes to start a stopped cluster. */
  readonly clusterStartSeconds?: number;
  /** How long the emulated Front Door takes to deploy an origin change to its edge. */
  readonly propagationSeconds?: number;
  /**
   * The emulated services' timing: `fast` (the default: seconds, for trying it) or `realistic`
   * (Azure's documented and reported times: AKS starts in minutes, Front Door's edge follows in
   * about ten, a stopped cluster cannot start again for fifteen; see src/sandbox/arm/timing.ts),
   * with the runbook's production timeouts. Drills and benchmarks use it to see real timing.
   */
  readonly timing?: "fast" | "realistic";
  /**
   * The catalog's data follows its traffic (`npm start` turns it on): an Azure SQL failover group
   * and a Cosmos DB account, primary in westeurope, that a regional outage takes with the region
   * (docs/data.md).
   * Off by default, so that the tests of the groups as they were keep their steps and timing.
   */
  readonly data?: boolean;
  readonly output?: (line: string) => void;
  readonly verbose?: boolean;
  /** More subscribers to both observers' events (tests record them). */
  readonly subscribers?: readonly NamedSubscriber[];
  /**
   * Sends Application Insights telemetry to a local ingestion receiver (`--telemetry`); `record`
   * gets each record received as one line and its base type (`npm start` writes them to a file:
   * printed, the records of both observers would bury the timeline).
   */
  readonly telemetry?: {
    readonly record?: (line: string, type: string) => void;
    /** `telemetry.summaryMinutes` of the sandbox's configuration (default: the schema's). */
    readonly summaryMinutes?: number;
  };
  /**
   * Alert delivery's timing (ADR 19); tests shorten the delivery windows to see a give-up in
   * seconds rather than minutes.
   */
  readonly alertTiming?: Partial<AlertTiming>;
  /**
   * How Tandem's ARM clients retry a 5xx (ARM_DEFAULTS.retry unless set). A lost region's SQL
   * server answers 503; its reads retry once (the SQL lever's own retry, about half a second by default),
   * and every other call (the failover POSTs among them) takes the whole backoff, which tests
   * shorten.
   */
  readonly armRetry?: ArmConnection["retry"];
  /**
   * Kinds from outside src/ (a test's lever, probe and channel kinds), as compose() takes them: the
   * ARM emulator serves the lever kinds' emulated services, the alert receivers include the channel
   * kinds' receivers, and the configuration may name any of them.
   */
  readonly kinds?: Pick<ComposeOptions, "registry" | "probeKinds" | "channelKinds">;
  /**
   * Changes the sandbox's configuration before it is validated, the ARM emulator already serving
   * (a test adds a group of its own kinds and the emulated resources it names).
   */
  readonly configure?: (config: TandemConfigInput, arm: ArmEmulator) => TandemConfigInput;
}

export interface Sandbox {
  readonly url: string;
  readonly config: TandemConfig;
  /** The shop group's regional apps (the catalog's are in `catalogApps`). */
  readonly regions: ReadonlyMap<string, RegionalApp>;
  readonly catalogApps: ReadonlyMap<string, RegionalApp>;
  /** The shop group's global entry point (Traffic Manager). */
  readonly entryPoint: EntryPoint;
  /** The catalog group's global entry point (Front Door). */
  readonly catalogEntryPoint: EntryPoint;
  readonly arm: ArmEmulator;
  /** The emulated services, to read (and, in tests, set) their state without going through ARM. */
  readonly services: {
    readonly trafficManager: TrafficManagerService;
    readonly frontDoor: FrontDoorService;
    readonly aks: AksService;
    readonly sql: SqlService;
    readonly cosmos: CosmosDbService;
  };
  readonly azurite: Azurite;
  /** The loopback receivers of the four alert channels (Teams, Slack, PagerDuty, webhook). */
  readonly alerts: AlertReceivers;
  readonly schedules: Schedules;
  /** The local host: each observer's timers can be stopped and started. */
  readonly host: LocalHost;
  /** The local ingestion endpoint, with `telemetry`: every record both observers sent. */
  readonly ingestion?: IngestionReceiver;
  stop(): Promise<void>;
}

export interface SandboxApps {
  readonly shop: ReadonlyMap<string, RegionalApp>;
  readonly catalog: ReadonlyMap<string, RegionalApp>;
  readonly controls: ReadonlyMap<string, RegionalApp>;
  readonly shopEntry: EntryPoint;
  readonly catalogEntry: EntryPoint;
  readonly receivers: AlertReceivers;
}

/** A store that an isolated observer cannot reach: every call fails as a partition would. */
function cutOff(store: StateStore, isolated: () => boolean): StateStore {
  return new Proxy(store, {
    get: (target, property) => {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        isolated()
          ? Promise.reject(
              new StoreError(
                "unavailable",
                `state store: ${String(property)} failed: this observer is isolated from the store (sandbox fault)`,
              ),
            )
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}

export function sandboxConfig(
  apps: SandboxApps,
  options: {
    intervalSeconds: number;
    failureThreshold: number;
    dwellSeconds: number;
    timing?: "fast" | "realistic";
    summaryMinutes?: number;
    data?: boolean;
  },
): TandemConfigInput {
  const R = SANDBOX_RESOURCES;
  const region = (group: "shop" | "catalog", name: string) => ({
    name,
    role: name === "westeurope" ? ("primary" as const) : ("secondary" as const),
    probe: { url: apps[group].get(name)!.healthUrl },
    traffic: { endpoint: R.endpoint(group, name) },
    ...(group === "catalog"
      ? {
          cluster: {
            resourceId: R.catalogCluster(name),
            nodePools: [{ name: "user", count: 3 }],
          },
        }
      : {}),
  });
  return {
    observers: SANDBOX_REGIONS.map((r) => ({
      region: r,
      controlUrl: apps.controls.get(r)!.healthUrl,
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
      // Realistic timing keeps the production defaults (AKS needs minutes, Front Door more).
      ...(options.timing === "realistic"
        ? {}
        : { stepTimeoutSeconds: 30, wakeTimeoutSeconds: 120, propagationTimeoutSeconds: 120 }),
    },
    ...(options.summaryMinutes === undefined
      ? {}
      : { telemetry: { summaryMinutes: options.summaryMinutes } }),
    groups: [
      {
        name: "shop",
        model: "active-passive",
        entryPoint: { url: apps.shopEntry.healthUrl },
        traffic: { kind: "traffic-manager", profileId: R.shopProfile },
        regions: SANDBOX_REGIONS.map((r) => region("shop", r)),
      },
      {
        name: "catalog",
        model: "passive-cold",
        entryPoint: { url: apps.catalogEntry.healthUrl },
        traffic: {
          kind: "front-door",
          profileId: R.catalogProfile,
          originGroup: R.catalogOriginGroup,
        },
        regions: SANDBOX_REGIONS.map((r) => region("catalog", r)),
        ...(options.data ? catalogData() : {}),
      },
    ],
    // One channel of each kind, each to its loopback receiver, for warnings and worse (and what
    // resolves them): the printed timeline stays readable.
    alerts: {
      reminderMinutes: 0,
      channels: apps.receivers
        .channels(ALERT_SETTINGS)
        .channels.map((channel) => ({ ...channel, minSeverity: "warning" })),
    },
  };
}

/**
 * The catalog's data stores, as a user's configuration names them. A regional outage in the
 * sandbox takes the region's SQL server and Cosmos DB region with it, so neither primary can be
 * reached and only a forced failover can move them: the stores allow data loss here, to show that
 * path (the default, false, would page a person instead; docs/data.md says what each choice does).
 * Failback moves the data back too (planned failovers, every copy answering again).
 */
function catalogData(): Pick<TandemConfigInput["groups"][number], "data" | "dataPolicy"> {
  const R = SANDBOX_RESOURCES;
  return {
    data: [
      {
        name: SANDBOX_STORES.sql,
        kind: "sql-failover-group",
        servers: Object.fromEntries(SANDBOX_REGIONS.map((r) => [r, R.catalogSqlServer(r)])),
        failoverGroup: R.catalogFailoverGroup,
        allowDataLoss: true,
      },
      {
        name: SANDBOX_STORES.cosmos,
        kind: "cosmosdb",
        resourceId: R.catalogCosmos,
        allowDataLoss: true,
      },
    ],
    dataPolicy: { order: "before-traffic", failback: "with-traffic" },
  };
}

/** The app settings of the sandbox: the store's connection and the alert secrets. */
function sandboxEnv(azurite: Azurite, receivers: AlertReceivers): Record<string, string> {
  return {
    [STORAGE_SETTING]: azurite.connectionString,
    ...receivers.channels(ALERT_SETTINGS).env,
  };
}

function notFound(what: string, name: string | undefined, known: Iterable<string>): LocalResponse {
  return {
    status: 404,
    body: {
      error: {
        code: what === "region" ? "UnknownRegion" : "UnknownObserver",
        message: `no sandbox ${what} "${name}"; ${what}s: ${[...known].join(", ")}`,
      },
    },
  };
}

const ARM_FAULT_KINDS = ["throttle", "error", "slow", "drop"] as const;
const FAULT_COUNT = 5;
const SLOW_DEFAULT_MS = 5000;
const SLOW_MAX_MS = 120_000;

/**
 * Sets the ARM fault `params` name: each hits the next FAULT_COUNT requests (slow: every reply,
 * until heal). Undefined when it is set; otherwise the answer that says why not.
 */
function injectArmFault(
  arm: ArmEmulator,
  params: Record<string, string>,
): LocalResponse | undefined {
  const kind = params["kind"] as (typeof ARM_FAULT_KINDS)[number];
  if (!ARM_FAULT_KINDS.includes(kind))
    return {
      status: 404,
      body: {
        error: {
          code: "UnknownFault",
          message: `no ARM fault "${params["kind"]}"; faults: ${ARM_FAULT_KINDS.join(", ")}`,
        },
      },
    };
  if (kind === "throttle")
    arm.faults.push({ status: 429, retryAfterSeconds: 1, times: FAULT_COUNT });
  if (kind === "error") arm.faults.push({ status: 500, times: FAULT_COUNT });
  if (kind === "slow") {
    // `?ms=15000`: how late every reply is (default 5 s), up to two minutes.
    const ms = params["ms"] === undefined ? SLOW_DEFAULT_MS : Number(params["ms"]);
    if (!Number.isInteger(ms) || ms < 0 || ms > SLOW_MAX_MS)
      return {
        status: 400,
        body: {
          error: {
            code: "BadDelay",
            message: `ms must be a whole number of milliseconds from 0 to ${SLOW_MAX_MS} (got "${params["ms"]}")`,
          },
        },
      };
    arm.slowMs = ms;
  }
  if (kind === "drop") arm.dropNext = FAULT_COUNT;
  return undefined;
}

function faultRoutes(
  apps: SandboxApps,
  arm: ArmEmulator,
  host: () => LocalHost | undefined,
  isolated: Set<string>,
  regionData: (region: string, up: boolean) => void,
): LocalRoute[] {
  const all = [...apps.shop.values(), ...apps.catalog.values(), ...apps.controls.values()];
  const state = () => ({
    regions: Object.fromEntries([...apps.shop].map(([name, app]) => [name, app.mode])),
    observers: Object.fromEntries(
      [...apps.controls].map(([name, c]) => [name, c.mode === "up" ? "ok" : "impaired"]),
    ),
    timers: host()?.observers() ?? {},
    isolated: [...isolated].sort(),
    arm: {
      faults: arm.faults.filter((f) => f.times > 0),
      slowMs: arm.slowMs,
      dropNext: arm.dropNext,
    },
  });
  const region =
    (mode: "up" | "down") =>
    (params: Record<string, string>): LocalResponse => {
      const name = params["region"] ?? "";
      if (!apps.shop.has(name)) return notFound("region", name, apps.shop.keys());
      // A region is down for every group: both groups' stamps in it, and its copies of their data.
      apps.shop.get(name)!.mode = mode;
      apps.catalog.get(name)!.mode = mode;
      regionData(name, mode === "up");
      return { status: 200, body: state() };
    };
  const observer =
    (mode: "up" | "down") =>
    (params: Record<string, string>): LocalResponse => {
      const control = apps.controls.get(params["region"] ?? "");
      if (!control) return notFound("observer", params["region"], apps.controls.keys());
      control.mode = mode;
      return { status: 200, body: state() };
    };
  // Stopping an observer stops its timers, as a crashed Function App: its lease runs out and the
  // other observer takes over. Its control target is untouched.
  const timers =
    (action: "stop" | "start") =>
    async (params: Record<string, string>): Promise<LocalResponse> => {
      const name = params["region"] ?? "";
      if (!apps.controls.has(name)) return notFound("observer", name, apps.controls.keys());
      if (action === "stop") await host()?.stopObserver(name);
      else host()?.startObserver(name);
      return { status: 200, body: state() };
    };
  // Isolating an observer cuts it off from the state store (its probes still run): it can
  // neither hold the lease nor write observations, as in a network partition.
  const isolation =
    (cut: boolean) =>
    (params: Record<string, string>): LocalResponse => {
      const name = params["region"] ?? "";
      if (!apps.controls.has(name)) return notFound("observer", name, apps.controls.keys());
      if (cut) isolated.add(name);
      else isolated.delete(name);
      return { status: 200, body: state() };
    };
  const armFault = (params: Record<string, string>): LocalResponse =>
    injectArmFault(arm, params) ?? { status: 200, body: state() };
  return [
    { method: "GET", path: "/sandbox/regions", handle: () => ({ status: 200, body: state() }) },
    { method: "POST", path: "/sandbox/regions/{region}/down", handle: region("down") },
    { method: "POST", path: "/sandbox/regions/{region}/up", handle: region("up") },
    { method: "POST", path: "/sandbox/observers/{region}/impair", handle: observer("down") },
    { method: "POST", path: "/sandbox/observers/{region}/restore", handle: observer("up") },
    { method: "POST", path: "/sandbox/observers/{region}/stop", handle: timers("stop") },
    { method: "POST", path: "/sandbox/observers/{region}/start", handle: timers("start") },
    { method: "POST", path: "/sandbox/observers/{region}/isolate", handle: isolation(true) },
    { method: "POST", path: "/sandbox/observers/{region}/rejoin", handle: isolation(false) },
    { method: "POST", path: "/sandbox/arm/{kind}", handle: armFault },
    {
      method: "GET",
      path: "/sandbox/alerts",
      handle: () => ({ status: 200, body: apps.receivers.summary() }),
    },
    {
      method: "POST",
      path: "/sandbox/alerts/{kind}/{mode}",
      handle: (params) => {
        const kind = params["kind"] ?? "";
        const mode = params["mode"] as ReceiverMode;
        if (!apps.receivers.kinds.includes(kind) || !RECEIVER_MODES.includes(mode))
          return {
            status: 404,
            body: {
              error: {
                code: "UnknownReceiver",
                message: `receivers: ${apps.receivers.kinds.join(", ")}; modes: ${RECEIVER_MODES.join(", ")}`,
              },
            },
          };
        apps.receivers.modes[kind] = mode;
        return { status: 200, body: apps.receivers.summary() };
      },
    },
    {
      method: "POST",
      path: "/sandbox/heal",
      handle: () => {
        for (const app of all) app.mode = "up";
        for (const region of apps.shop.keys()) regionData(region, true);
        for (const kind of apps.receivers.kinds) apps.receivers.modes[kind] = "ok";
        for (const name of apps.controls.keys()) host()?.startObserver(name);
        isolated.clear();
        arm.faults.length = 0;
        arm.slowMs = 0;
        arm.dropNext = 0;
        return { status: 200, body: state() };
      },
    },
  ];
}

/** Starts a part of the sandbox and registers its stop. */
type Started = <T extends { start(): Promise<void>; stop(): Promise<void> }>(
  thing: T,
) => Promise<T>;

/** The emulated Azure's times: the caller's, the realistic preset's, or the sandbox's short ones. */
function emulatorTimes(options: SandboxOptions) {
  const realistic = options.timing === "realistic";
  const clusterStartMs =
    options.clusterStartSeconds !== undefined
      ? options.clusterStartSeconds * 1000
      : realistic
        ? TIMINGS.realistic.clusterStartMs
        : 15_000;
  const propagationMs =
    options.propagationSeconds !== undefined
      ? options.propagationSeconds * 1000
      : realistic
        ? TIMINGS.realistic.propagationMs
        : 5000;
  return { realistic, clusterStartMs, propagationMs };
}

/**
 * The emulated Azure Resource Manager with the regional apps of both groups and each observer's
 * control target, its Traffic Manager profile, Front Door origin group and AKS clusters made to
 * route to them.
 */
async function startRegions(started: Started, options: SandboxOptions) {
  const R = SANDBOX_RESOURCES;
  const times = emulatorTimes(options);
  const registry = options.kinds?.registry;
  const byHost = new Map<string, RegionalApp>();
  const arm = await started(
    new ArmEmulator({
      scopes: [R.resourceGroup],
      principal: "tandem-sandbox",
      ...(times.realistic
        ? { timing: "realistic" as const }
        : { clusterStopMs: 3000, operationMs: 500 }),
      clusterStartMs: times.clusterStartMs,
      propagationMs: times.propagationMs,
      // Traffic Manager's and Front Door's own health probes see what a request would.
      health: (host) => byHost.get(host)?.serving ?? false,
      ...(registry ? { registry } : {}),
    }),
  );

  const tm = arm.service<TrafficManagerService>("traffic-manager");
  const fd = arm.service<FrontDoorService>("front-door");
  const aks = arm.service<AksService>("aks");
  const sql = arm.service<SqlService>("sql-failover-group");
  const cosmos = arm.service<CosmosDbService>("cosmosdb");
  const app = async (region: string, gate?: () => boolean) => {
    const a = await started(new RegionalApp(region, gate));
    byHost.set(a.host, a);
    return a;
  };
  const shop = new Map<string, RegionalApp>();
  const catalog = new Map<string, RegionalApp>();
  const controls = new Map<string, RegionalApp>();
  for (const region of SANDBOX_REGIONS) {
    shop.set(region, await app(region));
    catalog.set(region, await app(region, () => aks.serves(R.catalogCluster(region))));
    // Each observer's control target: fails only when the fault API impairs that observer.
    controls.set(region, await app(`control-${region}`));
  }

  tm.addProfile(
    R.shopProfile,
    SANDBOX_REGIONS.map((region, i) => ({
      name: R.endpoint("shop", region),
      target: shop.get(region)!.host,
      priority: i + 1,
    })),
  );
  fd.addOriginGroup(
    R.catalogProfile,
    R.catalogOriginGroup,
    SANDBOX_REGIONS.map((region, i) => ({
      name: R.endpoint("catalog", region),
      hostName: catalog.get(region)!.host,
      priority: i + 1,
    })),
  );
  for (const region of SANDBOX_REGIONS)
    aks.addCluster({
      id: R.catalogCluster(region),
      location: region,
      running: region === "westeurope",
      pools: [
        { name: "system", count: 1, mode: "System" },
        { name: "user", count: 3 },
      ],
    });
  if (options.data) {
    sql.addFailoverGroup({
      name: R.catalogFailoverGroup,
      primary: { id: R.catalogSqlServer("westeurope"), location: LOCATION["westeurope"]! },
      secondary: { id: R.catalogSqlServer("northeurope"), location: LOCATION["northeurope"]! },
      databases: ["catalog"],
    });
    cosmos.addAccount({ id: R.catalogCosmos, locations: SANDBOX_REGIONS.map((r) => LOCATION[r]!) });
  }
  return { arm, tm, fd, aks, sql, cosmos, shop, catalog, controls };
}

/**
 * What a regional outage (or its end) does to the catalog's data with `data`: the region's SQL
 * server and its Cosmos DB gateway stop answering, as in a lost region, and answer again when it
 * is back. A Cosmos DB region taken offline by a forced failover comes back as a read region: in
 * Azure, Microsoft brings it online, days after an outage (docs/data-cosmosdb.md); here at once,
 * as the sandbox shortens every wait. (With two regions, one that is not the write region is
 * already last in priority, where coming back online puts it.)
 */
function dataOfRegions(services: { sql: SqlService; cosmos: CosmosDbService }, data: boolean) {
  const R = SANDBOX_RESOURCES;
  return (region: string, up: boolean) => {
    if (!data) return;
    services.sql.setReachable(R.catalogSqlServer(region), up);
    const location = LOCATION[region]!;
    if (!up || services.cosmos.writeRegion(R.catalogCosmos) === location)
      services.cosmos.setLost(R.catalogCosmos, location, !up);
    else services.cosmos.bringOnline(R.catalogCosmos, location);
  };
}

/**
 * The sandbox's configuration for its apps, as the options' `configure` changes it, validated as a
 * user's file is, with the options' kinds.
 */
function configOf(
  apps: SandboxApps,
  arm: ArmEmulator,
  options: SandboxOptions,
  intervalSeconds: number,
) {
  const input = sandboxConfig(apps, {
    intervalSeconds,
    failureThreshold: options.failureThreshold ?? 3,
    dwellSeconds: options.dwellSeconds ?? 10,
    ...(options.timing ? { timing: options.timing } : {}),
    ...(options.data ? { data: true } : {}),
    ...(options.telemetry?.summaryMinutes === undefined
      ? {}
      : { summaryMinutes: options.telemetry.summaryMinutes }),
  });
  const { registry, probeKinds, channelKinds } = options.kinds ?? {};
  return parseConfig(
    options.configure?.(input, arm) ?? input,
    "sandbox configuration",
    registry,
    probeKinds,
    channelKinds,
  );
}

/** One runtime per observer, each with its own store client (cut off while it is isolated). */
async function composeObservers(
  options: SandboxOptions,
  config: TandemConfig,
  env: Record<string, string>,
  parts: {
    readonly azurite: { readonly connectionString: string };
    readonly arm: ArmEmulator;
    readonly isolated: ReadonlySet<string>;
    readonly peers: Peers;
    readonly ingestion: IngestionReceiver | undefined;
    readonly times: ReturnType<typeof emulatorTimes>;
  },
  output: (line: string) => void,
): Promise<Runtime[]> {
  const { azurite, arm, isolated, peers, ingestion, times } = parts;
  const runtimes: Runtime[] = [];
  for (const observer of SANDBOX_REGIONS) {
    const table = tableStoreFromConnectionString(azurite.connectionString, "tandem", {
      maxRetries: 0,
    });
    runtimes.push(
      await compose({
        config,
        observer,
        env,
        store: cutOff(table, () => isolated.has(observer)),
        credential: sandboxCredential,
        arm: {
          endpoint: arm.url,
          ca: arm.ca,
          pollIntervalMs: 250,
          lroPatienceMs: 3000,
          ...(options.armRetry ? { retry: options.armRetry } : {}),
          // The timeout per ARM call Tandem uses in Azure (ARM_DEFAULTS, 30 s): a slow control
          // plane (the sandbox's `slow` fault) is waited for as it would be there.
        },
        source: "sandbox configuration",
        ...options.kinds,
        localPrincipal: SANDBOX_PRINCIPAL,
        peers,
        ...(ingestion ? { ingestionCa: ingestion.ca } : {}),
        subscribers: [timeline(output), ...(options.subscribers ?? [])],
        ...(options.alertTiming ? { alertTiming: options.alertTiming } : {}),
        // Drills plan with the emulator's own times, not Azure's.
        estimates: {
          clusterStartMs: times.clusterStartMs,
          propagationMs: (group) => (group === "catalog" ? times.propagationMs : 0),
        },
      }),
    );
  }
  return runtimes;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const output = options.output ?? (() => {});
  const intervalSeconds = options.intervalSeconds ?? 2;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const pending = stops.splice(0).reverse();
    for (const stop of pending) await stop().catch(() => {});
  };
  const started: Started = async (thing) => {
    await thing.start();
    stops.push(() => thing.stop());
    return thing;
  };

  try {
    const azurite = await startAzurite(0);
    stops.push(() => azurite.stop());

    const R = SANDBOX_RESOURCES;
    const times = emulatorTimes(options);
    const regions = await startRegions(started, options);
    const { arm, tm, fd, aks, sql, cosmos, shop, catalog, controls } = regions;

    // The global entry points route as the emulated services do right now.
    const regionOf = (group: string, endpoint: string | undefined) =>
      SANDBOX_REGIONS.find((r) => R.endpoint(group, r) === endpoint);
    const shopEntry = await started(
      new EntryPoint(() => shop.get(regionOf("shop", tm.route(R.shopProfile)) ?? "")),
    );
    const catalogEntry = await started(
      new EntryPoint(() =>
        catalog.get(regionOf("catalog", fd.route(R.catalogProfile, R.catalogOriginGroup)) ?? ""),
      ),
    );
    const receivers = await started(new AlertReceivers(output, options.kinds?.channelKinds));
    const apps: SandboxApps = { shop, catalog, controls, shopEntry, catalogEntry, receivers };

    const config = configOf(apps, arm, options, intervalSeconds);
    const ingestion = options.telemetry
      ? await started(
          new IngestionReceiver((e) => {
            options.telemetry?.record?.(`telemetry  ${describeEnvelope(e)}`, e.data.baseType);
          }),
        )
      : undefined;
    const env = {
      ...sandboxEnv(azurite, receivers),
      ...(ingestion ? { [SETTINGS.appInsights]: ingestion.connectionString } : {}),
    };
    const isolated = new Set<string>();
    // The observers ask each other to probe now over the local host's HTTP, as Function Apps do;
    // its URL is known once it listens, after the runtimes are made.
    const peerHttp: { peers?: HttpPeers } = {};
    const peers: Peers = {
      ask: (peer, request, call) =>
        peerHttp.peers
          ? peerHttp.peers.ask(peer, request, call)
          : Promise.reject(new Error("the local host is not listening yet")),
    };
    const runtimes = await composeObservers(
      options,
      config,
      env,
      { azurite, arm, isolated, peers, ingestion, times },
      output,
    );

    // What telemetry is still buffered goes to the receiver before it stops.
    stops.push(async () => {
      await Promise.all(runtimes.map((rt) => rt.telemetry?.close(2000) ?? Promise.resolve()));
    });
    // The observers tick half an interval apart, as the deployment staggers them (ADR 18).
    const schedules = schedulesForInterval(intervalSeconds, SANDBOX_REGIONS);
    // The fault routes reach the host, which is started with them.
    const late: { host?: LocalHost } = {};
    const host: LocalHost = await startLocalHost({
      runtimes,
      port: options.port,
      schedules,
      routes: faultRoutes(
        apps,
        arm,
        () => late.host,
        isolated,
        dataOfRegions({ sql, cosmos }, !!options.data),
      ),
      output,
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
    });
    late.host = host;
    peerHttp.peers = new HttpPeers({
      urls: Object.fromEntries(SANDBOX_REGIONS.map((region) => [region, host.url])),
    });
    stops.push(() => host.stop());
    // Alerts link to the status page and incidents of this host, now that it listens.
    for (const rt of runtimes) rt.alerts.links.baseUrl = host.url;

    return {
      url: host.url,
      config,
      regions: shop,
      catalogApps: catalog,
      entryPoint: shopEntry,
      catalogEntryPoint: catalogEntry,
      arm,
      services: { trafficManager: tm, frontDoor: fd, aks, sql, cosmos },
      azurite,
      alerts: receivers,
      schedules,
      host,
      ...(ingestion ? { ingestion } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
