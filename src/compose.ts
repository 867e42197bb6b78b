// The composition root: the one place that knows every adapter. Functions, the local host, the
// sandbox and the CLI get a Runtime from here; tests pass fakes in through ComposeOptions.
import type { TokenCredential } from "@azure/identity";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { systemClock } from "./adapters/clock/system-clock.js";
import { consoleLog } from "./adapters/log/console-log.js";
import { noWitness } from "./adapters/witness/none.js";
import { checkLeaseTiming } from "./core/lease.js";
import { EventBus } from "./adapters/events/bus.js";
import { eventLog } from "./adapters/log/event-log.js";
import type { NamedSubscriber } from "./ports/events.js";
import {
  tableStoreFromConnectionString,
  tableStoreFromEndpoint,
} from "./adapters/store/table/table-store.js";
import type { Levers, Runtime, TokenRules } from "./app/runtime.js";
import { freshMemory } from "./app/runtime.js";
import { buildTargets, controlRequest } from "./app/targets.js";
import type { ConfigProblem, Environment, TandemConfig } from "./config/index.js";
import {
  ConfigError,
  effectivePolicy,
  loadConfigFile,
  missingSecrets,
  resolveSecret,
} from "./config/index.js";
import type { Clock } from "./ports/clock.js";
import type { Log } from "./ports/log.js";
import { silentLog } from "./ports/log.js";
import type { Prober } from "./ports/prober.js";
import type { Peers } from "./ports/peers.js";
import { HttpPeers } from "./adapters/peers/http-peers.js";
import { errorText } from "./core/errors.js";
import type { StateStore } from "./ports/state-store.js";
import type { Witness } from "./ports/witness.js";
import type { ClusterControl } from "./ports/cluster-control.js";
import type { DataControl } from "./ports/data-control.js";
import { dataByStore } from "./adapters/data/by-store.js";
import type { DataByHand } from "./app/situation.js";
import type { TrafficRouter } from "./ports/traffic-router.js";
import type { ArmConnection } from "./adapters/azure/arm.js";
import { clustersByRegion } from "./adapters/cluster/by-group.js";
import { ArmBudgetTracker } from "./adapters/azure/budget.js";
import type { ArmBudget } from "./ports/arm-budget.js";
import { routerByGroup } from "./adapters/traffic/by-group.js";
import { WitnessByGroup } from "./adapters/witness/by-group.js";
import { PROVIDERS } from "./providers/registry.js";
import { ProbeEngine } from "./probes/engine.js";
import { PROBE_KINDS } from "./probes/registry.js";
import type { ProbeKindRegistry } from "./probes/types.js";
import type { LeverContext, ProviderRegistry } from "./providers/types.js";
import { VERSION } from "./version.js";
import { SETTINGS } from "./settings.js";
import type { Principal } from "./app/auth.js";
import type { LeverEstimates } from "./ports/dry-run.js";
import { dryRunLevers } from "./adapters/dry-run/levers.js";
import { DISCOVERY_DEFAULTS, discoveredKeys } from "./adapters/keys/discovered-keys.js";
import { httpsJson } from "./adapters/keys/https-json.js";
import { listedKeys } from "./adapters/keys/listed-keys.js";
import type { AlertChannel } from "./ports/alerts.js";
import { CHANNEL_KINDS } from "./channels/registry.js";
import type { ChannelKindRegistry } from "./channels/types.js";
import { isChannelSettingsError } from "./channels/types.js";
import type { AlertSetup, AlertTiming, ConfiguredChannel } from "./app/alerts/setup.js";
import { DEFAULT_ALERT_TIMING, realSleep } from "./app/alerts/setup.js";
import { alertSubscriber } from "./app/alerts/subscriber.js";
import type { AlertChannelConfig } from "./config/schema.js";
import { API_TOKEN_DEFAULTS } from "./config/defaults.js";
import type { Severity } from "./core/alerts.js";
import type { Telemetry } from "./ports/telemetry.js";
import { noTelemetry } from "./ports/telemetry.js";
import { tracedStore } from "./adapters/telemetry/traced-store.js";
import { telemetrySubscriber } from "./app/telemetry/subscriber.js";
import { withSignInHint } from "./adapters/azure/sign-in-hint.js";

/** What a drill assumes for a cluster start when its provider does not say. */
const DEFAULT_CLUSTER_START_MS = 6 * 60_000;

export interface ComposeOptions {
  readonly config: TandemConfig;
  /** The observer region this process runs as; one of config.observers. */
  readonly observer: string;
  /** App settings that secret references resolve against. */
  readonly env?: Environment;
  readonly log?: Log;
  /** Name of the configuration's source, for error messages. */
  readonly source?: string;
  // Replacements for the real adapters: fakes in tests, stand-ins in the sandbox.
  readonly store?: StateStore;
  readonly prober?: Prober;
  /** How this observer asks its peers to probe now (the simulator's, the sandbox's). */
  readonly peers?: Peers;
  readonly clock?: Clock;
  readonly witness?: Witness;
  readonly router?: TrafficRouter;
  readonly clusters?: ClusterControl;
  /** The data stores' lever (a test's memory one); built from the configuration otherwise. */
  readonly data?: DataControl;
  /** What ARM says of its budget (the simulator's model of it); made from the replies otherwise. */
  readonly armBudget?: ArmBudget;
  /** The identity for Azure (state store by endpoint, levers); DefaultAzureCredential by default. */
  readonly credential?: TokenCredential;
  /** How the levers reach Azure Resource Manager (the sandbox points them at its emulator). */
  readonly arm?: Omit<ArmConnection, "credential">;
  /** The lever kinds the configuration may name; PROVIDERS (the built-in ones) by default. */
  readonly registry?: ProviderRegistry;
  /** The probe kinds the configuration may name; PROBE_KINDS (the built-in ones) by default. */
  readonly probeKinds?: ProbeKindRegistry;
  /** The alert channel kinds the configuration may name; CHANNEL_KINDS (the built-in ones) by default. */
  readonly channelKinds?: ChannelKindRegistry;
  /** The principal of callers that present nothing: the sandbox's; never set in Azure. */
  readonly localPrincipal?: Principal;
  /** Estimates for dry runs and drills (cluster start, propagation); sensible defaults. */
  readonly estimates?: Partial<LeverEstimates>;
  /**
   * Who hears the domain events besides the log (the sandbox's timeline, a test's recorder;
   * later alerts and telemetry). Each is isolated: one that throws or hangs affects nothing.
   */
  readonly subscribers?: readonly NamedSubscriber[];
  /** The process's instance id; a fresh random one by default. */
  readonly instance?: string;
  /** Where relative paths in the configuration (caFile) start; the working directory by default. */
  readonly baseDir?: string;
  /** Replacements for configured alert channels, by name (the simulator's, a test's). */
  readonly alertChannels?: Readonly<Record<string, AlertChannel>>;
  /** How alert delivery is timed (tests shorten it; the simulator waits in no real time). */
  readonly alertTiming?: Partial<AlertTiming>;
  readonly alertSleep?: AlertSetup["sleep"];
  /**
   * Where records for Azure Monitor go, replacing the Application Insights adapter that the app
   * setting APPLICATIONINSIGHTS_CONNECTION_STRING starts (without it, and without this, none).
   */
  readonly telemetry?: Telemetry;
  /** A CA (PEM) to trust for the ingestion endpoint: the sandbox's and tests' local receivers. */
  readonly ingestionCa?: string;
  /**
   * How the token issuer's keys are discovered: a CA to trust for a loopback issuer (tests), and
   * the rate limit and cache age (DISCOVERY_DEFAULTS otherwise), timed by the runtime's clock.
   */
  readonly signingKeys?: {
    readonly ca?: string;
    readonly cooldownMs?: number;
    readonly maxAgeMs?: number;
  };
}

/**
 * What makes a bearer token valid: the configuration's `api.bearer`, or else the issuer and the
 * app registration the deployment names in app settings; none (every token refused) otherwise.
 * Tandem's own identity (AZURE_CLIENT_ID) is always an allowed client: the peer observers call
 * with it, and what it may do is its app roles (observer only). So is the client the deployment
 * names for the browser sign-in (TANDEM_API_SIGN_IN_CLIENT_ID): App Service Authentication signs
 * people in as Tandem's app registration and forwards the access token it redeemed, which the
 * API checks as any other (docs/adr/0016).
 */
export function tokenRules(
  options: Pick<ComposeOptions, "config" | "env" | "signingKeys">,
  clock: Clock,
): TokenRules | undefined {
  const env = options.env ?? {};
  const configured = options.config.api.bearer;
  const issuer = configured?.issuer ?? env[SETTINGS.apiIssuer];
  const audience = configured?.audience ?? env[SETTINGS.apiClientId];
  if (!issuer || !audience) return undefined;
  const keys = configured?.keys
    ? listedKeys(configured.keys)
    : discoveredKeys(issuer, {
        get: (url) =>
          httpsJson(url, {
            timeoutMs: 5000,
            ...(options.signingKeys?.ca ? { ca: options.signingKeys.ca } : {}),
          }),
        now: () => clock.now(),
        cooldownMs: options.signingKeys?.cooldownMs ?? DISCOVERY_DEFAULTS.cooldownMs,
        maxAgeMs: options.signingKeys?.maxAgeMs ?? DISCOVERY_DEFAULTS.maxAgeMs,
      });
  return {
    issuer,
    audience,
    clientApps: [
      ...(configured?.clientApps ?? API_TOKEN_DEFAULTS.clientApps),
      ...[env[SETTINGS.identityClientId], env[SETTINGS.apiSignInClientId]].filter(
        (id): id is string => id !== undefined && id !== "",
      ),
    ],
    maxAgeSeconds: (configured?.maxAgeMinutes ?? API_TOKEN_DEFAULTS.maxAgeMinutes) * 60,
    keys,
  };
}

/**
 * The Application Insights adapter, when a connection string is set; nothing otherwise (no
 * package loaded, no socket opened). APPLICATIONINSIGHTS_AUTHENTICATION_STRING
 * (`ClientId=<id>;Authorization=AAD`) ingests with the managed identity (local auth off).
 */
export async function telemetryFromEnvironment(
  env: Environment,
  role: { readonly observer: string; readonly instance: string },
  options: { readonly ca?: string; readonly log?: Log } = {},
): Promise<Telemetry | undefined> {
  const connectionString = env[SETTINGS.appInsights];
  if (!connectionString) return undefined;
  const auth = (env[SETTINGS.appInsightsAuth] ?? "").split(";").map((p) => p.trim().split("="));
  const field = (name: string) =>
    auth.find(([k]) => k?.toLowerCase() === name.toLowerCase())?.[1]?.trim();
  const entra = field("Authorization")?.toUpperCase() === "AAD";
  const clientId = field("ClientId");
  const { appInsightsTelemetry } = await import("./adapters/telemetry/appinsights.js");
  // Identity is loaded only when the ingestion needs it (see credentialOf).
  const { ManagedIdentityCredential } = entra
    ? await import("@azure/identity")
    : { ManagedIdentityCredential: undefined };
  return appInsightsTelemetry({
    connectionString,
    roleName: "tandem",
    roleInstance: `${role.observer}#${role.instance}`,
    ...(entra && ManagedIdentityCredential
      ? {
          credential: clientId
            ? new ManagedIdentityCredential({ clientId })
            : new ManagedIdentityCredential(),
        }
      : {}),
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}

/**
 * The configured alert channels, each built by its kind (which loads its implementation then);
 * problems are listed.
 */
async function alertChannels(
  options: ComposeOptions,
  env: Environment,
  problems: ConfigProblem[],
): Promise<ConfiguredChannel[]> {
  const out: ConfiguredChannel[] = [];
  const kinds: ChannelKindRegistry = options.channelKinds ?? CHANNEL_KINDS;
  for (const [i, raw] of options.config.alerts.channels.entries()) {
    const settings = raw as AlertChannelConfig;
    const filter = {
      minSeverity: settings.minSeverity as Severity,
      ...(settings.events ? { events: settings.events } : {}),
      ...(settings.groups ? { groups: settings.groups } : {}),
    };
    const replacement = options.alertChannels?.[settings.name];
    if (replacement) {
      out.push({ channel: replacement, filter });
      continue;
    }
    const kind = kinds.find((k) => k.kind === settings.kind);
    if (!kind) {
      problems.push({ path: `alerts.channels[${i}].kind`, message: "is not a channel kind" });
      continue;
    }
    try {
      out.push({ channel: await kind.create(settings, (ref) => resolveSecret(ref, env)), filter });
    } catch (error) {
      if (!isChannelSettingsError(error)) throw error;
      problems.push({ path: `alerts.channels[${i}].${error.field}`, message: error.message });
    }
  }
  return out;
}

interface BuiltLevers {
  readonly router?: TrafficRouter;
  readonly clusters?: ClusterControl;
  readonly data?: DataControl;
  readonly witness?: Witness;
}

/** The levers the configuration names, each built by the provider of its kind. */
export async function leversFor(
  config: TandemConfig,
  registry: ProviderRegistry,
  context: LeverContext,
): Promise<BuiltLevers> {
  const routers: TrafficRouter[] = [];
  const witnesses = new Map<string, Witness>();
  for (const provider of registry.traffic) {
    const groups = config.groups.flatMap((g) =>
      g.traffic?.kind === provider.kind
        ? [
            {
              name: g.name,
              settings: g.traffic,
              members: new Map(
                g.regions.flatMap((r) =>
                  r.traffic ? [[r.name, r.traffic.endpoint] as const] : [],
                ),
              ),
            },
          ]
        : [],
    );
    if (groups.length === 0) continue;
    const made = await provider.create(groups, context);
    routers.push(made.router);
    if (made.witness) for (const g of groups) witnesses.set(g.name, made.witness);
  }
  const clusters: ClusterControl[] = [];
  for (const provider of registry.clusters) {
    const members = config.groups.flatMap((g) =>
      g.regions.flatMap((r) =>
        r.cluster?.kind === provider.kind
          ? [{ group: g.name, region: r.name, settings: r.cluster }]
          : [],
      ),
    );
    if (members.length > 0) clusters.push(await provider.create(members, context));
  }
  const data: DataControl[] = [];
  for (const provider of registry.data) {
    const members = dataMembers(config, provider.kind);
    if (members.length > 0) data.push(await provider.create(members, context));
  }
  return {
    ...(routers.length > 0 ? { router: routerByGroup(routers) } : {}),
    ...(clusters.length > 0 ? { clusters: clustersByRegion(clusters) } : {}),
    ...(data.length > 0 ? { data: dataByStore(data) } : {}),
    ...(witnesses.size > 0 ? { witness: new WitnessByGroup(witnesses) } : {}),
  };
}

/** The data stores of the configuration whose kind is `kind`, as its provider takes them. */
function dataMembers(config: TandemConfig, kind: string) {
  return config.groups.flatMap((g) =>
    (g.data ?? []).flatMap((d) =>
      d.kind === kind
        ? [{ group: g.name, store: d.name, settings: d, regions: g.regions.map((r) => r.name) }]
        : [],
    ),
  );
}

/** How each store's kind spells moving it by hand (for the page a refused data step sends). */
function dataByHandOf(config: TandemConfig, registry: ProviderRegistry): DataByHand {
  return (group, store, region, mode) => {
    const settings = config.groups
      .find((g) => g.name === group)
      ?.data?.find((d) => d.name === store);
    const provider = settings && registry.data.find((p) => p.kind === settings.kind);
    return settings && provider?.byHand ? provider.byHand(settings, region, mode) : undefined;
  };
}

async function createStore(options: ComposeOptions, env: Environment): Promise<StateStore> {
  const { stateStore } = options.config;
  const log = options.log ?? silentLog;
  if (stateStore.connection !== undefined)
    return tableStoreFromConnectionString(
      resolveSecret(stateStore.connection, env),
      stateStore.table,
      { log },
    );
  const endpoint = stateStore.endpoint!;
  return tableStoreFromEndpoint(endpoint, stateStore.table, await credentialOf(options), { log });
}

const credentials = new WeakMap<ComposeOptions, TokenCredential>();
/**
 * One credential per composition, made only when something needs it: @azure/identity (about half
 * a second of CPU to load) is loaded then, not with the Function App, and never for a state store
 * reached by connection string with no levers.
 */
async function credentialOf(options: ComposeOptions): Promise<TokenCredential> {
  if (options.credential) return options.credential;
  let credential = credentials.get(options);
  if (!credential) {
    const { DefaultAzureCredential } = await import("@azure/identity");
    credential = withSignInHint(new DefaultAzureCredential());
    credentials.set(options, credential);
  }
  return credential;
}

/**
 * What the file alone cannot check, every problem at once: the observer is listed, the secrets are
 * set, the alert channels can be made (and are returned); then the lease timing holds.
 */
async function checkBeforeStart(options: ComposeOptions, env: Environment) {
  const problems: ConfigProblem[] = [];
  const observers = options.config.observers.map((o) => o.region);
  if (!observers.includes(options.observer))
    problems.push({
      path: "observers",
      message: `this process runs as observer "${options.observer}", which is not listed (listed: ${observers.join(", ")})`,
    });
  problems.push(
    ...missingSecrets(options.store ? { ...options.config, stateStore: {} } : options.config, env),
  );
  const channels = problems.length === 0 ? await alertChannels(options, env, problems) : [];
  if (problems.length > 0) throw new ConfigError(options.source ?? "configuration", problems);

  const policy = effectivePolicy(options.config);
  checkLeaseTiming({
    durationMs: policy.leaseSeconds * 1000,
    renewDeadlineMs: policy.leaseRenewDeadlineSeconds * 1000,
    retryPeriodMs: policy.intervalSeconds * 1000,
  });
  return channels;
}

/** The event bus and its subscribers: the log, telemetry when traced, and the caller's. */
function eventBusFor(
  options: ComposeOptions,
  log: Log,
  telemetry: Telemetry | undefined,
): EventBus {
  const events = new EventBus((subscriber, problem) =>
    log.warn(`event subscriber ${subscriber}: ${problem}`),
  );
  for (const s of [
    eventLog(log),
    ...(telemetry
      ? [
          telemetrySubscriber(telemetry, {
            windowMs: options.config.telemetry.summaryMinutes * 60_000,
            intervalMs: options.config.policy.intervalSeconds * 1000,
          }),
        ]
      : []),
    ...(options.subscribers ?? []),
  ])
    events.subscribe(s.name, s.fn);
  return events;
}

/** How long a cluster start and a routing change take, for plans: the caller's, or the levers'. */
function estimatesOf(
  options: ComposeOptions,
  registry: ProviderRegistry,
  router: Levers["router"],
): Levers["estimates"] {
  return {
    clusterStartMs:
      options.estimates?.clusterStartMs ??
      registry.clusters[0]?.startMs ??
      DEFAULT_CLUSTER_START_MS,
    ...dataFailoverEstimate(options, registry),
    propagationMs:
      options.estimates?.propagationMs ??
      ((group: string) =>
        router?.covers(group) ? (router.capabilities(group).propagation?.typicalMs ?? 0) : 0),
  };
}

/** How long a data store's planned failover takes, for plans: the caller's, or the slowest kind's. */
function dataFailoverEstimate(options: ComposeOptions, registry: ProviderRegistry) {
  const kinds = new Set(options.config.groups.flatMap((g) => (g.data ?? []).map((d) => d.kind)));
  const ms = registry.data.filter((p) => kinds.has(p.kind)).map((p) => p.failoverMs ?? 0);
  const estimate =
    options.estimates?.dataFailoverMs ?? (ms.length > 0 ? Math.max(...ms) : undefined);
  return estimate === undefined ? {} : { dataFailoverMs: estimate };
}

/** Builds a Runtime, checking first what the file alone cannot: the observer and the secrets. */
export async function compose(options: ComposeOptions): Promise<Runtime> {
  const env = options.env ?? {};
  const channels = await checkBeforeStart(options, env);

  const baseDir = options.baseDir ?? process.cwd();
  const probeKinds = options.probeKinds ?? PROBE_KINDS;
  const built = await buildTargets(
    options.config,
    env,
    (path) => readFile(resolve(baseDir, path), "utf8"),
    probeKinds,
  );
  if (built.problems.length > 0)
    throw new ConfigError(options.source ?? "configuration", built.problems);
  const control = controlRequest(options.config, options.observer);

  const instance = options.instance ?? randomUUID().slice(0, 8);
  const telemetry =
    options.telemetry ??
    (await telemetryFromEnvironment(
      env,
      { observer: options.observer, instance },
      {
        ...(options.ingestionCa ? { ca: options.ingestionCa } : {}),
        ...(options.log ? { log: options.log } : {}),
      },
    ));
  const traced = telemetry !== undefined && telemetry !== noTelemetry;
  const untraced = options.store ?? (await createStore(options, env));
  const store = traced
    ? tracedStore(untraced, telemetry, options.config.stateStore.table)
    : untraced;
  await store.initialise();
  const needsAzure =
    (!options.router && options.config.groups.some((g) => g.traffic)) ||
    (!options.clusters && options.config.groups.some((g) => g.regions.some((r) => r.cluster))) ||
    (!options.data && options.config.groups.some((g) => g.data !== undefined));
  const registry = options.registry ?? PROVIDERS;
  const budget = needsAzure ? new ArmBudgetTracker() : undefined;
  const levers = needsAzure
    ? await leversFor(options.config, registry, {
        conn: {
          ...options.arm,
          credential: await credentialOf(options),
          ...(budget ? { budget } : {}),
          ...(traced ? { telemetry } : {}),
        },
        log: options.log ?? silentLog,
      })
    : {};
  const log = options.log ?? silentLog;
  const events = eventBusFor(options, log, traced ? telemetry : undefined);
  const clock = options.clock ?? systemClock;
  const bearer = tokenRules(options, clock);
  const peers = options.peers ?? (await peersFromSettings(options, env, log, bearer));
  const router = options.router ?? levers.router;
  const clusters = options.clusters ?? levers.clusters;
  const data = options.data ?? levers.data;
  const alerts: AlertSetup = {
    channels,
    links: { ...options.config.alerts.links },
    reminderMs: options.config.alerts.reminderMinutes * 60_000,
    timing: { ...DEFAULT_ALERT_TIMING, ...options.alertTiming },
    sleep: options.alertSleep ?? realSleep,
  };
  const runtime: Runtime = {
    config: options.config,
    observer: options.observer,
    instance,
    store,
    witness: options.witness ?? (options.router ? undefined : levers.witness) ?? noWitness,
    memory: freshMemory(),
    levers: {
      ...(router ? { router } : {}),
      ...(clusters ? { clusters } : {}),
      ...(data ? { data, dataByHand: dataByHandOf(options.config, registry) } : {}),
      ...(options.armBudget
        ? { armBudget: options.armBudget }
        : budget
          ? { armBudget: budget }
          : {}),
      dryRun: (clock, estimates) => dryRunLevers(router, clusters, clock, estimates, data),
      estimates: estimatesOf(options, registry, router),
    },
    auth: {
      ...(bearer ? { bearer } : {}),
      readerRole: options.config.api.readerRole,
      operatorRole: options.config.api.operatorRole,
      observerRole: options.config.api.observerRole,
      ...(options.localPrincipal ? { local: options.localPrincipal } : {}),
    },
    probing: {
      targets: built.targets,
      ...(control ? { control } : {}),
      prober: options.prober ?? new ProbeEngine({ kinds: probeKinds }),
      ...(peers ? { peers } : {}),
    },
    clock,
    log,
    events,
    ...(traced ? { telemetry } : {}),
    alerts,
    version: VERSION,
  };
  if (channels.length > 0) {
    const subscriber = alertSubscriber(runtime);
    events.subscribe(subscriber.name, subscriber.fn);
  }
  return runtime;
}

/**
 * The other observers' Function Apps, from the TANDEM_PEERS app setting, asked with a token for
 * the API's audience from this app's identity. A setting that is missing or wrong costs speed,
 * not monitoring: it is said, and the peers learn of a failing region at their next tick.
 */
async function peersFromSettings(
  options: ComposeOptions,
  env: Environment,
  log: Log,
  bearer: TokenRules | undefined,
): Promise<Peers | undefined> {
  const raw = env[SETTINGS.peers];
  if (!raw) return undefined;
  const without = (why: string) => {
    log.error(
      `app setting ${SETTINGS.peers}: ${why}; peers learn of a failing region at their next tick`,
    );
    return undefined;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return without("it is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return without(
      'it must be a JSON object of URLs by observer region, e.g. {"northeurope": "https://..."}',
    );
  const observers = new Set(options.config.observers.map((o) => o.region));
  const urls: Record<string, string> = {};
  for (const [region, url] of Object.entries(parsed)) {
    if (region === options.observer) continue;
    if (!observers.has(region)) {
      log.warn(`app setting ${SETTINGS.peers} names ${region}, which is not an observer: left out`);
      continue;
    }
    if (typeof url !== "string") return without(`the URL of ${region} is not a string`);
    urls[region] = url;
  }
  // The audience this API's own tokens must name (api.bearer, or TANDEM_API_CLIENT_ID).
  const audience = bearer?.audience;
  if (!audience)
    return without(
      `no audience for the peers' tokens: set ${SETTINGS.apiClientId} (the deployment does) or api.bearer`,
    );
  const scope = audience.endsWith("/.default")
    ? audience
    : `${audience.replace(/\/+$/, "")}/.default`;
  try {
    const credential = await credentialOf(options);
    return new HttpPeers({
      urls,
      token: async (abortSignal) => {
        const token = await credential.getToken(scope, { abortSignal });
        if (!token) throw new Error(`no token for ${scope}`);
        return token.token;
      },
    });
  } catch (error) {
    return without(errorText(error));
  }
}

/** The app settings Tandem reads, by what they are for (listed with the rest in src/settings.ts). */
export { SETTINGS };

/** The app root (where host.json and package.json are): the worker's working directory may differ. */
const APP_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The Runtime of a Function App: configuration file and observer region from app settings. */
export async function composeFromEnvironment(
  env: Environment,
  log: Log = consoleLog("tandem"),
): Promise<Runtime> {
  const path = resolve(APP_ROOT, env[SETTINGS.configPath] || "tandem.config.json");
  const config = await loadConfigFile(path);
  const observer = env[SETTINGS.observer];
  if (!observer)
    throw new ConfigError(path, [
      {
        path: "",
        message: `app setting ${SETTINGS.observer} is not set: set it to this Function App's observer region`,
      },
    ]);
  return compose({
    config,
    observer,
    env,
    source: path,
    baseDir: dirname(path),
    log,
  });
}
