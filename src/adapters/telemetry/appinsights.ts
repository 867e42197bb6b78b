// The Telemetry port on Application Insights, through the `applicationinsights` v3 package's
// TelemetryClient (see docs/adr/0012-telemetry-in-azure-monitor.md). The client runs on providers
// of its own (`useGlobalProviders: false`): nothing is instrumented automatically (the probes'
// own HTTP requests are not dependencies), no live metrics, no resource detectors that call the
// cloud metadata endpoint. Records are buffered by the package's batch processors and sent on
// `flush`, which is bounded by the caller's time: a slow or broken ingestion endpoint costs the
// tick nothing. Loaded only when a connection string is set (the package takes seconds to load).
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import https from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type {
  AvailabilityRecord,
  DependencyRecord,
  Measurements,
  Properties,
  Telemetry,
  TelemetryScope,
} from "../../ports/telemetry.js";
import type { Log } from "../../ports/log.js";
import { Scopes } from "./scopes.js";

export interface AppInsightsOptions {
  /** APPLICATIONINSIGHTS_CONNECTION_STRING. */
  readonly connectionString: string;
  /** Microsoft Entra ingestion (local auth off): the managed identity's credential. */
  readonly credential?: TokenCredential;
  /** cloud_RoleName: "tandem". */
  readonly roleName: string;
  /** cloud_RoleInstance: the observer and process, `westeurope#1a2b3c4d`. */
  readonly roleInstance: string;
  /** A CA (PEM) to trust for the ingestion endpoint: the sandbox's or a test's receiver. */
  readonly ca?: string;
  readonly log?: Log;
}

/** What the package's TelemetryClient offers that this adapter uses. */
interface Client {
  config: { azureMonitorOpenTelemetryOptions: unknown };
  initialize(): void;
  commonProperties: Record<string, string>;
  trackAvailability(t: Record<string, unknown>): void;
  trackEvent(t: Record<string, unknown>): void;
  trackMetric(t: Record<string, unknown>): void;
  trackDependency(t: Record<string, unknown>): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A trace id (32 hex) and span id (16 hex) made from an operation id: the same for every process. */
export function traceIds(operation: string): { traceId: string; spanId: string } {
  const hex = createHash("sha256").update(operation).digest("hex");
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32, 48) };
}

/** How long one send to the ingestion endpoint may take: a hanging one ends, and its timers with it. */
const SEND_TIMEOUT_MS = 10_000;

function timeLimited(ms: number): PipelinePolicy {
  return {
    name: "tandemIngestionTimeout",
    sendRequest(request, next) {
      request.timeout = ms;
      return next(request);
    },
  };
}

function trusting(ca: string): PipelinePolicy {
  const agent = new https.Agent({ ca, keepAlive: true });
  return {
    name: "tandemIngestionCa",
    sendRequest(request, next) {
      request.agent = agent;
      return next(request);
    },
  };
}

/**
 * `true` in the Function App bundle, which holds a stand-in for the poller that never polls
 * (scripts/bundle-left-out.ts; esbuild's `define`); not defined when running from `dist/`.
 */
declare const TANDEM_BUNDLE_LEAVES_OUT_SETTINGS_POLLER: boolean | undefined;

/**
 * The exporter polls Microsoft's SDK settings service (settings.sdk.monitor.azure.com) for
 * dynamic configuration from the moment it is made, with no setting to turn it off. Tandem
 * needs none of it, and nothing but records may leave: the poller is stopped once the exporters
 * exist. Reached by file path, since the package does not export it; a later version that moves
 * it leaves the poller running, which test/adapters/telemetry/appinsights.test.ts catches. The
 * bundle has no package files to reach, and no poller either.
 */
export function stopSettingsPoller(): boolean {
  if (
    typeof TANDEM_BUNDLE_LEAVES_OUT_SETTINGS_POLLER !== "undefined" &&
    TANDEM_BUNDLE_LEAVES_OUT_SETTINGS_POLLER
  )
    return true;
  try {
    const here = createRequire(import.meta.url);
    const insights = dirname(here.resolve("applicationinsights/package.json"));
    const fromInsights = createRequire(join(insights, "package.json"));
    const exporter = dirname(
      fromInsights.resolve("@azure/monitor-opentelemetry-exporter/package.json"),
    );
    const module = fromInsights(
      join(exporter, "dist/commonjs/_configuration/configurationManager.js"),
    ) as {
      ConfigurationManager?: {
        getInstance(): { shutdown(): void; worker?: unknown };
      };
    };
    const manager = module.ConfigurationManager?.getInstance();
    if (!manager) return false;
    manager.shutdown();
    return manager.worker === undefined;
  } catch {
    return false;
  }
}

/**
 * A CommonJS package's exports, imported dynamically. Node gives them by name and as `default`;
 * the Function App bundle (esbuild) gives them as `default` alone, so a name read straight off
 * the import is undefined there (it was: the bundled adapter could not start, issue 31).
 */
function commonJs<T extends object>(module: T): T {
  return (module as { default?: T }).default ?? module;
}

/**
 * The SDK's client, its exporters made and the settings poller stopped, with the OpenTelemetry
 * API its records take their context from.
 */
async function openClient(options: AppInsightsOptions) {
  const [ai, otel, hooks, resources] = await Promise.all([
    import("applicationinsights").then(commonJs),
    import("@opentelemetry/api"),
    import("@opentelemetry/context-async-hooks").then(commonJs),
    import("@opentelemetry/resources"),
  ]);
  // Records take their operation from the OpenTelemetry context they are made in; without a
  // context manager that context is always empty. Another one already registered does as well.
  otel.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  const TelemetryClient = ai.TelemetryClient as unknown as new (
    setup: string,
    options: { useGlobalProviders: boolean },
  ) => Client;
  const client = new TelemetryClient(options.connectionString, { useGlobalProviders: false });
  client.config.azureMonitorOpenTelemetryOptions = {
    azureMonitorExporterOptions: {
      connectionString: options.connectionString,
      // Telemetry is best effort: what cannot be sent in time is dropped, never kept on disk.
      disableOfflineStorage: true,
      ...(options.credential ? { credential: options.credential } : {}),
      // One try per batch, time-limited: the next flush sends newer records; retries would only
      // pile up behind an endpoint that is down.
      retryOptions: { maxRetries: 0 },
      additionalPolicies: [
        { policy: timeLimited(SEND_TIMEOUT_MS), position: "perRetry" },
        ...(options.ca ? [{ policy: trusting(options.ca), position: "perRetry" }] : []),
      ],
    },
    resource: resources.resourceFromAttributes({
      "service.name": options.roleName,
      "service.instance.id": options.roleInstance,
    }),
  };
  // The exporters are made now, not on the first record, so that the poller can be stopped.
  client.initialize();
  if (!stopSettingsPoller())
    options.log?.warn(
      "telemetry: could not stop the Application Insights SDK's settings poller (settings.sdk.monitor.azure.com)",
    );
  return { client, otel };
}

/** Flushes the client, waiting at most `ms`: true if everything was sent. One flush at a time. */
function flusher(client: Client): (ms: number) => Promise<boolean> {
  let flushing: Promise<void> | undefined;
  return async (ms: number): Promise<boolean> => {
    flushing ??= client.flush().finally(() => (flushing = undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([
        flushing.then(
          () => true as const,
          () => false as const,
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export async function appInsightsTelemetry(options: AppInsightsOptions): Promise<Telemetry> {
  const { client, otel } = await openClient(options);
  const scopes = new Scopes();
  const log = options.log;

  const inContext = (scope: TelemetryScope | undefined, track: () => void): void => {
    const merged = { ...scopes.current(), ...scope };
    try {
      if (merged.operation === undefined) return track();
      const ids = traceIds(merged.operation);
      const ctx = otel.trace.setSpanContext(otel.ROOT_CONTEXT, {
        traceId: ids.traceId,
        spanId: ids.spanId,
        traceFlags: otel.TraceFlags.SAMPLED,
      });
      otel.context.with(ctx, track);
    } catch (error) {
      log?.warn(`telemetry: a record was dropped: ${String(error)}`);
    }
  };
  const scoped = (scope: TelemetryScope | undefined, properties: Properties) => {
    const merged = { ...scopes.current(), ...scope };
    return {
      ...properties,
      ...(merged.operation === undefined ? {} : { operation: merged.operation }),
      ...(merged.incident === undefined ? {} : { incident: merged.incident }),
    };
  };
  const flush = flusher(client);

  return {
    within: (scope, fn) => scopes.within(scope, fn),
    current: () => scopes.current(),
    availability(record: AvailabilityRecord, scope?: TelemetryScope) {
      inContext(scope, () =>
        client.trackAvailability({
          name: record.name,
          runLocation: record.runLocation,
          success: record.success,
          duration: record.durationMs,
          message: record.message,
          properties: scoped(scope, record.properties),
          ...(record.measurements ? { measurements: record.measurements } : {}),
        }),
      );
    },
    event(name: string, properties: Properties, measurements?: Measurements, scope?) {
      inContext(scope, () =>
        client.trackEvent({
          name,
          properties: scoped(scope, properties),
          ...(measurements ? { measurements } : {}),
        }),
      );
    },
    metric(name: string, value: number, properties?: Properties) {
      inContext(undefined, () =>
        client.trackMetric({ name, value, ...(properties ? { properties } : {}) }),
      );
    },
    dependency(record: DependencyRecord) {
      const http = record.kind === "arm";
      inContext(undefined, () =>
        client.trackDependency({
          name: record.name,
          data: record.data ?? record.name,
          target: record.target,
          dependencyTypeName: http ? "HTTP" : "Azure table",
          resultCode: record.resultCode,
          success: record.success,
          duration: record.durationMs,
          time: new Date(record.startedAt),
          properties: {
            ...scoped(undefined, { kind: record.kind }),
            ...(http ? { "http.method": record.name.split(" ")[0] ?? "GET" } : {}),
          },
        }),
      );
    },
    flush,
    async close(ms: number) {
      await flush(ms);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
    },
  };
}
