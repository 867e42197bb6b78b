// What the Function App bundle leaves out of the packages it bundles (ADR 13, issue 31). The
// `applicationinsights` v3 package requires, at load time, every part of the Azure Monitor
// OpenTelemetry distro, although Tandem's use of it (a TelemetryClient on providers of its own,
// `useGlobalProviders: false`: src/adapters/telemetry/appinsights.ts) reaches only the Azure
// Monitor exporters and the OpenTelemetry SDK's trace, metric and log providers. Bundled as it
// is, the rest (the OpenTelemetry Node SDK with its OTLP, gRPC, Prometheus and Zipkin exporters,
// a dozen library instrumentations, live metrics, the browser snippet) was about 5 MB of the
// package's 7. The SDK has no switch that stops those requires, so the bundle replaces the
// modules that make them: each by a stand-in that throws, naming itself, if Tandem ever reaches
// it. A test (test/infra/package.test.ts) sends records through the bundled adapter to a loopback
// ingestion endpoint, and checks that no gRPC or Prometheus code is bundled.
import type { Plugin } from "esbuild";
import {
  SQL_FAILOVER_GROUPS,
  SQL_GROUPS,
  SQL_MODELS,
  SQL_STAND_INS,
  SQL_UNUSED,
} from "./bundle-left-out-sql.js";
import { autorestModels } from "./bundle-left-out-models.js";

export interface LeftOut {
  /** A name for the stand-in: the bundle's metafile lists it as `tandem-left-out:<name>`. */
  readonly name: string;
  /** The import or require specifier of the module... */
  readonly specifier: RegExp;
  /** ...in a file whose path matches this (forward slashes). */
  readonly importer: RegExp;
  /** What the module is, for the stand-in's error. */
  readonly what: string;
  /** Why Tandem never reaches it; named in the stand-in's error and in ADR 13. */
  readonly why: string;
  /**
   * The stand-in's code (CommonJS, or an ES module); by default a module every use of which
   * throws. Its relative imports resolve from the importer's folder.
   */
  readonly standIn?: string;
}

// The operation groups lever SDKs' clients make, of which Tandem calls none: arm-cdn 9.1's
// (cdnManagementClient.js imports them all from "./operations"; Tandem calls afdOrigins),
// arm-containerservice 25's (containerServiceClient.js, one "./classic/<group>/index.js" each;
// Tandem calls managedClusters and agentPools) and arm-sql 10's (bundle-left-out-sql.ts).
const CDN_UNUSED = [
  ...["AfdProfiles", "AfdCustomDomains", "AfdEndpoints", "AfdOriginGroups", "Routes", "RuleSets"],
  ...["Rules", "SecurityPolicies", "Secrets", "LogAnalytics", "Profiles", "Endpoints", "Origins"],
  ...["OriginGroups", "CustomDomains", "ResourceUsageOperations", "Operations", "EdgeNodes"],
  ...["Policies", "ManagedRuleSets"],
];
const AKS_UNUSED = [
  ...["identityBindings", "machines", "maintenanceConfigurations", "managedNamespaces"],
  ...["operations", "privateEndpointConnections", "privateLinkResources", "snapshots"],
  ...["resolvePrivateLinkServiceId", "trustedAccessRoleBindings", "trustedAccessRoles"],
];
const CDN_GROUPS = {
  what: "an @azure/arm-cdn operation group other than afdOrigins",
  why: "Tandem's Front Door lever (src/providers/front-door/router.ts) calls afdOrigins only",
};
const CDN_MODELS = {
  what: "an @azure/arm-cdn model or parameter other than afdOrigins'",
  why: CDN_GROUPS.why,
};
const CDN_AFD_ORIGINS = /node_modules\/@azure\/arm-cdn\/dist-esm\/src\/operations\/afdOrigins\.js$/;
const CDN_STAND_INS = autorestModels("@azure/arm-cdn", "operations/afdOrigins.js");
const AKS_GROUPS = {
  what: "an @azure/arm-containerservice operation group other than managedClusters and agentPools",
  why: "Tandem's AKS lever (src/providers/aks/clusters.ts) calls managedClusters and agentPools only",
};

export const LEFT_OUT: readonly LeftOut[] = [
  {
    name: "applicationinsights/main",
    specifier: /^\.\.?\/main$/,
    importer: /node_modules\/applicationinsights\/out\/src\//,
    what: "applicationinsights' global set-up (useAzureMonitor)",
    why:
      "Tandem's TelemetryClient runs on providers of its own (useGlobalProviders: false), so " +
      "the global Azure Monitor distro (@azure/monitor-opentelemetry and the OpenTelemetry Node " +
      "SDK with its OTLP gRPC, Prometheus and Zipkin exporters, instrumentations and live " +
      "metrics) is never started",
  },
  {
    name: "otlp-http-exporters",
    specifier: /^@opentelemetry\/exporter-(logs|metrics|trace)-otlp-http$/,
    importer: /node_modules\/applicationinsights\//,
    what: "an OpenTelemetry OTLP exporter",
    why: "Tandem sends to Application Insights only; the TelemetryClient makes an OTLP exporter only when otlp*ExporterConfig.enabled is set, which Tandem never sets",
  },
  {
    // The exporter polls settings.sdk.monitor.azure.com from the moment it is made, with no
    // setting to turn it off (src/adapters/telemetry/appinsights.ts stops it when unbundled).
    name: "settings-poller",
    specifier: /^\.\/configurationWorker\.js$/,
    importer:
      /node_modules\/@azure\/monitor-opentelemetry-exporter\/dist\/(commonjs|esm)\/_configuration\//,
    what: "the Azure Monitor exporter's settings poller",
    why: "nothing but records may leave Tandem",
    standIn:
      "class ConfigurationWorker { constructor() {} shutdown() {} }\n" +
      "module.exports = { ConfigurationWorker };\n",
  },
  {
    name: "arm-cdn-operations",
    specifier: /^\.\/operations$/,
    importer: /node_modules\/@azure\/arm-cdn\/dist-esm\/src\/cdnManagementClient\.js$/,
    ...CDN_GROUPS,
    standIn: unusedGroups(
      CDN_GROUPS,
      CDN_UNUSED.map((n) => `${n}Impl`),
      'export { AfdOriginsImpl } from "./operations/afdOrigins";',
    ),
  },
  {
    name: "arm-containerservice-operations",
    specifier: new RegExp(`^\\./classic/(${AKS_UNUSED.join("|")})/index\\.js$`),
    importer: /node_modules\/@azure\/arm-containerservice\/dist\/esm\/containerServiceClient\.js$/,
    ...AKS_GROUPS,
    standIn: unusedGroups(
      AKS_GROUPS,
      AKS_UNUSED.map((n) => `_get${n[0]!.toUpperCase()}${n.slice(1)}Operations`),
      "",
    ),
  },
  {
    name: "arm-cdn-parameters",
    specifier: /^\.\.\/models\/parameters$/,
    importer: CDN_AFD_ORIGINS,
    ...CDN_MODELS,
    standIn: CDN_STAND_INS.parameters(),
  },
  {
    name: "arm-cdn-mappers",
    specifier: /^\.\.\/models\/mappers$/,
    // afdOrigins.js, and the parameters' stand-in above.
    importer: new RegExp(`${CDN_AFD_ORIGINS.source}|^arm-cdn-parameters$`),
    ...CDN_MODELS,
    standIn: CDN_STAND_INS.mappers(),
  },
  {
    // The client's own operations (name availability checks, validate probe), never called:
    // their specs name models these stand-ins do not have, which are then undefined.
    name: "arm-cdn-client-models",
    specifier: /^\.\/models\/(parameters|mappers)$/,
    importer: /node_modules\/@azure\/arm-cdn\/dist-esm\/src\/cdnManagementClient\.js$/,
    ...CDN_MODELS,
    standIn: "export {};\n",
  },
  {
    name: "arm-sql-operations",
    specifier: /^\.\/operations$/,
    importer: /node_modules\/@azure\/arm-sql\/dist-esm\/src\/sqlManagementClient\.js$/,
    ...SQL_GROUPS,
    standIn: unusedGroups(
      SQL_GROUPS,
      SQL_UNUSED.map((n) => `${n}Impl`),
      'export { FailoverGroupsImpl } from "./operations/failoverGroups";',
    ),
  },
  {
    name: "arm-sql-parameters",
    specifier: /^\.\.\/models\/parameters$/,
    importer: SQL_FAILOVER_GROUPS,
    ...SQL_MODELS,
    standIn: SQL_STAND_INS.parameters(),
  },
  {
    name: "arm-sql-mappers",
    specifier: /^\.\.\/models\/mappers$/,
    // failoverGroups.js, and the parameters' stand-in above.
    importer: new RegExp(`${SQL_FAILOVER_GROUPS.source}|^arm-sql-parameters$`),
    ...SQL_MODELS,
    standIn: SQL_STAND_INS.mappers(),
  },
];

/**
 * An ES module for the operation groups an SDK client's constructor makes and Tandem never calls:
 * each export, called or constructed, gives an object every method of which throws. `keep` is
 * re-exported as it is.
 */
function unusedGroups(
  entry: { readonly what: string; readonly why: string },
  names: readonly string[],
  keep: string,
): string {
  const message = `${entry.what} is left out of Tandem's Function App bundle (scripts/bundle-left-out.ts): ${entry.why}`;
  return `${keep}
function leftOut() { throw new Error(${JSON.stringify(message)}); }
function group() {
  return new Proxy({}, { get(_, key) { return typeof key === "string" && key !== "then" ? leftOut : undefined; } });
}
export { ${names.map((n) => `group as ${n}`).join(", ")} };
`;
}

/**
 * Compile-time constants for the bundle (esbuild's `define`): the adapter's settings poller stop
 * (src/adapters/telemetry/appinsights.ts) knows the poller is left out and has nothing to stop.
 */
export const LEFT_OUT_DEFINES = { TANDEM_BUNDLE_LEAVES_OUT_SETTINGS_POLLER: "true" } as const;

/**
 * Packages that must never be in the bundle: gRPC, protocol buffers, the Prometheus and OTLP
 * exporters, the OpenTelemetry Node SDK and the global distro. The package is refused if one is
 * (scripts/package-files.ts), so that an SDK update that requires them from a new place is seen.
 */
export const NEVER_BUNDLED =
  /^(@grpc\/.*|protobufjs|@opentelemetry\/(exporter-.*|otlp-.*|sdk-node|instrumentation.*|configuration)|@azure\/monitor-opentelemetry)$/;

/** A CommonJS module every use of which throws an error that names what was left out and why. */
function throwing(entry: LeftOut): string {
  const message = `${entry.what} is left out of Tandem's Function App bundle (scripts/bundle-left-out.ts): ${entry.why}`;
  return `const message = ${JSON.stringify(message)};
function leftOut() { throw new Error(message); }
module.exports = new Proxy({}, {
  get(_, key) { return typeof key === "string" && key !== "then" && key !== "__esModule" ? leftOut : undefined; },
});
`;
}

const NAMESPACE = "tandem-left-out";

/** The esbuild plugin that puts each left-out module's stand-in in its place. */
export function leaveOut(entries: readonly LeftOut[] = LEFT_OUT): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      // One filter for all of them: esbuild calls back only for the specifiers it matches.
      const filter = new RegExp(entries.map((e) => e.specifier.source).join("|"));
      build.onResolve({ filter }, (args) => {
        const importer = args.importer.split("\\").join("/");
        const entry = entries.find((e) => e.specifier.test(args.path) && e.importer.test(importer));
        return entry
          ? { path: entry.name, namespace: NAMESPACE, pluginData: args.resolveDir }
          : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const entry = entries.find((e) => e.name === args.path)!;
        const resolveDir = args.pluginData as string;
        return { contents: entry.standIn ?? throwing(entry), loader: "js", resolveDir };
      });
    },
  };
}
