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
  /** The stand-in's code (CommonJS); by default a module every use of which throws. */
  readonly standIn?: string;
}

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
];

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
        return entry ? { path: entry.name, namespace: NAMESPACE } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const entry = entries.find((e) => e.name === args.path)!;
        return { contents: entry.standIn ?? throwing(entry), loader: "js" };
      });
    },
  };
}
