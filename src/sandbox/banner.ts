// What `npm start` prints once the sandbox runs: where everything is, how to point the CLI at it,
// which options are on, and how its settings differ from a deployment's defaults.
import { POLICY_DEFAULTS } from "../config/defaults.js";
import type { GroupConfig, PolicyConfig } from "../config/schema.js";
import type { Sandbox } from "./sandbox.js";
import { SANDBOX_RESOURCES } from "./sandbox.js";

export interface BannerOptions {
  readonly timing: "fast" | "realistic";
  readonly verbose: boolean;
  /** Where `--telemetry` writes the records it receives. */
  readonly telemetryFile?: string;
}

const seconds = (s: number) => (s >= 120 ? `${s / 60} min` : `${s} s`);

/** The sandbox's policy settings that differ from a deployment's defaults, one line each. */
export function differencesFromProduction(policy: PolicyConfig): string[] {
  const d = POLICY_DEFAULTS;
  const lines: string[] = [];
  const differ = (key: keyof typeof d & keyof PolicyConfig, say: (v: never) => string) => {
    const here = policy[key];
    if (here !== d[key])
      lines.push(
        `${key.padEnd(26)} ${say(here as never)} here; ${say(d[key] as never)} by default`,
      );
  };
  if (policy.autoFailback !== d.autoFailback || policy.dwellSeconds !== d.dwellSeconds) {
    const failback = (auto: boolean, dwell: number) =>
      `${auto ? "automatic" : "by a person"}, once the region has been healthy ${seconds(dwell)}`;
    lines.push(
      `${"failback".padEnd(26)} ${failback(policy.autoFailback, policy.dwellSeconds)} here; ${failback(d.autoFailback, d.dwellSeconds)} by default (autoFailback, dwellSeconds)`,
    );
  }
  differ("intervalSeconds", (v: number) => `every ${seconds(v)}`);
  differ("failureThreshold", (v: number) => `${v} failures`);
  differ("successThreshold", (v: number) => `${v} successes`);
  differ("maxAutoFailovers", (v: number) => `${v}`);
  differ("autoFailoverWindowMinutes", (v: number) => `${v} min`);
  differ("stepTimeoutSeconds", (v: number) => seconds(v));
  differ("wakeTimeoutSeconds", (v: number) => seconds(v));
  differ("propagationTimeoutSeconds", (v: number) => seconds(v));
  return lines;
}

/**
 * What the banner says of a group's data stores (`npm start` gives the catalog's database): each
 * store, where its primary is, and what a lost region does to it.
 */
function dataLines(group: GroupConfig | undefined): string[] {
  const stores = group?.data ?? [];
  if (stores.length === 0) return [];
  const order = group?.dataPolicy?.order ?? "before-traffic";
  const primary = group?.regions.find((r) => r.role === "primary")?.name ?? "";
  return [
    ...stores.map(
      (d) =>
        `    data "${d.name}"${" ".repeat(Math.max(1, 9 - d.name.length))}${d.kind}, primary in ${primary}; allowDataLoss ${d.allowDataLoss}`,
    ),
    `                   The data moves ${order === "before-traffic" ? "before" : "after"} traffic. A lost region takes its copies of the data with it:`,
    stores.some((d) => d.allowDataLoss)
      ? `                   with allowDataLoss (set here; false by default) the store is forced over and`
      : `                   without allowDataLoss the store is not forced over: a person is paged`,
    stores.some((d) => d.allowDataLoss)
      ? `                   writes not yet replicated are lost; without it a person is paged instead.`
      : `                   with the command to run by hand, and traffic moves as dataPolicy says.`,
  ];
}

export function sandboxBanner(sandbox: Sandbox, options: BannerOptions): string {
  const { config } = sandbox;
  const api = sandbox.url;
  const port = new URL(api).port;
  const R = SANDBOX_RESOURCES;
  const on = [
    `--timing ${options.timing}${options.timing === "realistic" ? " (AKS starts in minutes, Front Door's edge follows in about ten; production step timeouts)" : " (emulated Azure answers in seconds; --timing realistic for Azure's own times)"}`,
    ...(options.verbose ? ["--verbose (every tick is printed)"] : []),
    ...(options.telemetryFile
      ? [
          `--telemetry (records written to ${options.telemetryFile}; a count is printed each minute)`,
        ]
      : []),
  ];
  const lines = [
    "",
    "Tandem sandbox is running (everything on loopback, nothing in Azure).",
    "",
    `  state store      Azurite Table service, in memory        ${sandbox.azurite.endpoint}`,
    `  Azure (emulated) Resource Manager over HTTPS              ${sandbox.arm.url}`,
    `                   the real SDK clients drive tm-shop (Traffic Manager), fd-catalog (Front Door)`,
    `                   and aks-catalog-weu / aks-catalog-neu (AKS; aks-catalog-neu is stopped)`,
    ...(config.groups.some((g) => g.data)
      ? [
          `                   and the catalog's data: SQL failover group ${R.catalogFailoverGroup} on sql-catalog-weu / sql-catalog-neu`,
          `                   (Azure SQL), account ${R.catalogCosmos.split("/").at(-1)} in West Europe and North Europe (Cosmos DB)`,
        ]
      : []),
    "",
    `  group "shop"     active-passive, Traffic Manager         entry ${sandbox.entryPoint.healthUrl}`,
    ...[...sandbox.regions.values()].map((app) => `    ${app.region.padEnd(14)} ${app.healthUrl}`),
    `  group "catalog"  passive-cold, Front Door                entry ${sandbox.catalogEntryPoint.healthUrl}`,
    ...[...sandbox.catalogApps.values()].map(
      (app) =>
        `    ${app.region.padEnd(14)} ${app.healthUrl}${app.region === "northeurope" ? "   (cluster stopped: woken on failover)" : ""}`,
    ),
    ...dataLines(config.groups.find((g) => g.name === "catalog")),
    "",
    `  Both groups are probed every ${config.policy.intervalSeconds} s (${sandbox.schedules.tick}); a region is down after`,
    `  ${config.policy.failureThreshold} failed probes in a row from every observer.`,
    "",
    `  Options on:       ${on.join("\n                    ")}`,
    "",
    `  The CLI:          npm run tandem -- status${port === "7071" ? "   (7071 is where the CLI looks by default)" : ""}`,
    ...(port === "7071"
      ? []
      : [
          `                    in another shell first: export TANDEM_PORT=${port}   (or TANDEM_API=${api})`,
        ]),
    `  Status:           ${api}/api/status`,
    `  Break a region:   curl -X POST ${api}/sandbox/regions/westeurope/down   (both groups fail over)`,
    ...(config.groups.some((g) => g.data)
      ? [
          `                    the catalog's data first: the "catalog data" lines and alerts say what it cost`,
        ]
      : []),
    `  Bring it back:    curl -X POST ${api}/sandbox/regions/westeurope/up`,
    `  Impair observer:  curl -X POST ${api}/sandbox/observers/northeurope/impair   (its control URL fails)`,
    `  Break Azure:      curl -X POST ${api}/sandbox/arm/throttle   (or error, slow, drop)`,
    `  Heal everything:  curl -X POST ${api}/sandbox/heal`,
    `  Alerts received:  curl ${api}/sandbox/alerts   (Teams, Slack, PagerDuty and webhook receivers on loopback;`,
    `                    each delivered alert prints one line below; break one: POST /sandbox/alerts/teams/410)`,
    `  Resources:        ${R.resourceGroup}`,
    "",
    "  Where the sandbox differs from a deployment's defaults (to show a whole cycle in minutes):",
    ...differencesFromProduction(config.policy).map((l) => `    ${l}`),
    "",
    "Verdict changes are printed below. Ctrl-C stops everything.",
    "",
  ];
  return lines.join("\n");
}
