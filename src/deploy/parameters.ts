// The parameters of infra/main.bicep, derived from the configuration file alone: the file is the
// one place a user edits. `tandem deploy parameters` writes them as infra/main.parameters.json
// (the azd preprovision hook runs it); the values azd knows itself stay `${...}` references that
// azd fills in from its environment.
import type { TandemConfig } from "../config/index.js";
import { formatPath, secretReferences } from "../config/index.js";
import { timerSchedules } from "../config/schedules.js";
import { roleFile } from "../providers/permissions.js";
import { PROVIDERS, allProviders } from "../providers/registry.js";
import type { Provider, ProviderRegistry } from "../providers/types.js";
import { APP_SETTINGS } from "../settings.js";
import type { DeployProblem } from "./problems.js";
import { DeployError } from "./problems.js";

/** One regional Function App: an observer, with its timer's schedule. */
export interface ObserverParameter {
  readonly region: string;
  readonly tickSchedule: string;
}

/** A resource a lever's role is assigned on: one of the provider's `scopes`, taken apart. */
export interface LeverScope {
  readonly kind: string;
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** The resource type, e.g. `Microsoft.Cdn/profiles/originGroups`. */
  readonly type: string;
  /** The names along the type, e.g. the profile's, then the origin group's. */
  readonly names: readonly string[];
  /**
   * The resource below its resource group, as an ARM template's `scope` takes it, its types
   * spelled as the kind's `scopeType`: `Microsoft.Cdn/profiles/fd/originGroups/og`. The role
   * assignment's name is made from it (infra/modules/access/resource.json).
   */
  readonly resource: string;
}

/**
 * A resource group where a lever kind's operations role is assigned: the kind follows its
 * long-running operations at a URL under the resource group (infra/roles/levers.json says
 * `assignedAt: "resourceGroup"`), one entry per group however many of its resources are there.
 */
export interface OperationGroup {
  readonly kind: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

/** An app setting the configuration names (`env:NAME`), given as a Key Vault reference. */
export interface SecretSetting {
  readonly setting: string;
  readonly secretName: string;
}

export interface DeploymentParameters {
  readonly environmentName: string;
  readonly principalId: string;
  readonly apiClientId: string;
  readonly resourceGroupName: string;
  readonly witnessRegion: string;
  readonly observers: readonly ObserverParameter[];
  readonly stateStore: { readonly accountName: string; readonly table: string };
  readonly instanceMemoryMB: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly alertEmails: readonly string[];
  readonly leverScopes: readonly LeverScope[];
  readonly operationGroups: readonly OperationGroup[];
  readonly secrets: readonly SecretSetting[];
}

export interface DeployOptions {
  readonly registry?: ProviderRegistry;
  /** The subscription azd deploys to; every lever's resource must be in it. */
  readonly subscriptionId?: string;
}

/** What azd fills in from its environment (azd's own names, and the Entra hook's). */
export const AZD_VALUES = {
  environmentName: "${AZURE_ENV_NAME}",
  principalId: "${AZURE_PRINCIPAL_ID}",
  apiClientId: "${TANDEM_API_CLIENT_ID}",
} as const;

const TABLE_ENDPOINT = /^https:\/\/([a-z0-9]{3,24})\.table\.core\.windows\.net\/?$/;
const SCOPE_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i;
const RESERVED_PREFIXES = ["WEBSITE_", "FUNCTIONS_", "AzureWebJobs", "APPSETTING_"];

/** A Key Vault secret name for an app setting: letters, digits and hyphens only. */
export const secretNameOf = (setting: string) => setting.toLowerCase().replace(/_/g, "-");

/** `Microsoft.Cdn/profiles/originGroups` and ['fd', 'og']: `Microsoft.Cdn/profiles/fd/originGroups/og`. */
function resourcePath(type: string, names: readonly string[]): string {
  const [namespace, ...types] = type.split("/");
  return [namespace, ...names.flatMap((name, i) => [types[i], name])].join("/");
}

function parseScope(kind: string, id: string): Omit<LeverScope, "resource"> | undefined {
  const m = SCOPE_ID.exec(id);
  if (!m) return undefined;
  const parts = m[4]!.split("/");
  if (parts.length % 2 !== 0) return undefined;
  const types = parts.filter((_, i) => i % 2 === 0);
  const names = parts.filter((_, i) => i % 2 === 1);
  return {
    kind,
    id,
    subscriptionId: m[1]!.toLowerCase(),
    resourceGroup: m[2]!,
    type: [m[3]!, ...types].join("/"),
    names,
  };
}

/** Every resource each lever's role is assigned on, with where the file names it. */
function leverScopes(
  config: TandemConfig,
  registry: ProviderRegistry,
): { scope: LeverScope; path: string }[] {
  const found: { scope: LeverScope; path: string }[] = [];
  const add = (provider: Provider, ids: readonly string[], path: string) => {
    const kind = provider.kind;
    for (const id of ids) {
      const scope = parseScope(kind, id);
      if (!scope) throw new Error(`provider ${kind} gave a scope that is not a resource id: ${id}`);
      // The deployment assigns the role on a resource of the declared type (infra/main.bicep).
      if (scope.type.toLowerCase() !== provider.scopeType.toLowerCase())
        throw new Error(
          `provider ${kind} gave a scope of type ${scope.type}, not its scopeType ${provider.scopeType}: ${id}`,
        );
      if (!found.some((f) => f.scope.id.toLowerCase() === id.toLowerCase()))
        found.push({
          scope: { ...scope, resource: resourcePath(provider.scopeType, scope.names) },
          path,
        });
    }
  };
  config.groups.forEach((g, gi) => {
    const traffic = registry.traffic.find((p) => p.kind === g.traffic?.kind);
    if (traffic && g.traffic)
      add(traffic, traffic.scopes(g.traffic), formatPath(["groups", gi, "traffic"]));
    g.regions.forEach((r, ri) => {
      const cluster = registry.clusters.find((p) => p.kind === r.cluster?.kind);
      if (cluster && r.cluster)
        add(
          cluster,
          cluster.scopes(r.cluster),
          formatPath(["groups", gi, "regions", ri, "cluster"]),
        );
    });
    g.data?.forEach((d, di) => {
      const store = registry.data.find((p) => p.kind === d.kind);
      if (store) add(store, store.scopes(d), formatPath(["groups", gi, "data", di]));
    });
  });
  return found;
}

/** The deployment's parameters, or a DeployError naming every reason it cannot be deployed. */
export function deploymentParameters(
  config: TandemConfig,
  options: DeployOptions = {},
  source = "the configuration",
): DeploymentParameters {
  const registry = options.registry ?? PROVIDERS;
  const problems: DeployProblem[] = [];
  const deployment = config.deployment;
  if (!deployment)
    problems.push({
      code: "deployment-missing",
      path: "deployment",
      message:
        'is required to deploy: add { "witnessRegion": "<region>" }, the region of the state store (outside every application and observer region)',
    });

  let accountName = "";
  if (config.stateStore.connection !== undefined)
    problems.push({
      code: "state-store-connection",
      path: "stateStore.connection",
      message:
        "the deployment turns shared keys off and reaches the state store by identity: set stateStore.endpoint to https://<account>.table.core.windows.net instead",
    });
  else {
    const m = TABLE_ENDPOINT.exec(config.stateStore.endpoint ?? "");
    if (m) accountName = m[1]!;
    else
      problems.push({
        code: "state-store-endpoint",
        path: "stateStore.endpoint",
        message:
          "must be the table endpoint of a storage account, https://<account>.table.core.windows.net (3 to 24 lower-case letters and digits), which the deployment creates; Cosmos DB for Table is an option you provision yourself (docs/deploy.md)",
      });
  }

  const schedules = timerSchedules(config.policy.intervalSeconds);
  if (!schedules.ok)
    problems.push({
      code: "interval-not-schedulable",
      path: "policy.intervalSeconds",
      message: schedules.problem.replace(/^policy\.intervalSeconds /, "is "),
    });

  const scopes = leverScopes(config, registry);
  const wanted = options.subscriptionId?.toLowerCase();
  const first = scopes[0]?.scope.subscriptionId;
  for (const { scope, path } of scopes) {
    const expected = wanted ?? first;
    if (scope.subscriptionId !== expected)
      problems.push({
        code: "lever-subscription",
        path,
        message: `names a resource in subscription ${scope.subscriptionId}, not ${expected}${wanted ? " (the one azd deploys to)" : " (where the other levers are)"}: one deployment covers one subscription; deploy Tandem once per subscription`,
      });
  }

  const secrets: SecretSetting[] = [];
  const reserved = new Set<string>(APP_SETTINGS.map((s) => s.name));
  for (const { path, setting } of secretReferences(config)) {
    if (secrets.some((s) => s.setting === setting)) continue;
    if (reserved.has(setting) || RESERVED_PREFIXES.some((p) => setting.startsWith(p))) {
      problems.push({
        code: "setting-reserved",
        path,
        message: `names app setting ${setting}, which the deployment or the platform sets itself: name another setting`,
      });
      continue;
    }
    const secretName = secretNameOf(setting);
    const clash = secrets.find((s) => s.secretName === secretName);
    if (clash)
      problems.push({
        code: "secret-name-clash",
        path,
        message: `names app setting ${setting}, whose Key Vault secret would be "${secretName}", as for ${clash.setting}: rename one of them`,
      });
    else secrets.push({ setting, secretName });
  }

  if (problems.length > 0) throw new DeployError(source, problems);
  const operationGroups: OperationGroup[] = [];
  for (const { scope } of scopes) {
    const provider = allProviders(registry).find((p) => p.kind === scope.kind);
    const operations = provider ? roleFile(provider).operations : undefined;
    if (operations?.assignedAt !== "resourceGroup" || operations.actions.length === 0) continue;
    const group = {
      kind: scope.kind,
      subscriptionId: scope.subscriptionId,
      resourceGroup: scope.resourceGroup,
    };
    const same = (g: OperationGroup) =>
      g.kind === group.kind &&
      g.subscriptionId === group.subscriptionId &&
      g.resourceGroup.toLowerCase() === group.resourceGroup.toLowerCase();
    if (!operationGroups.some(same)) operationGroups.push(group);
  }
  return {
    ...AZD_VALUES,
    resourceGroupName: deployment!.resourceGroup ?? "",
    witnessRegion: deployment!.witnessRegion,
    // The observers tick an equal share of the interval apart (ADR 18), in the configuration's order.
    observers: config.observers.map((o, i, all) => {
      const mine = timerSchedules(config.policy.intervalSeconds, i, all.length);
      return { region: o.region, tickSchedule: mine.ok ? mine.tick : "" };
    }),
    stateStore: { accountName, table: config.stateStore.table },
    instanceMemoryMB: deployment!.instanceMemoryMB,
    tags: deployment!.tags,
    alertEmails: deployment!.alertEmails,
    leverScopes: scopes.map((s) => s.scope),
    operationGroups,
    secrets,
  };
}

/** The parameters as an ARM deployment parameters file (infra/main.parameters.json). */
export function parametersFile(parameters: DeploymentParameters) {
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
    contentVersion: "1.0.0.0",
    parameters: Object.fromEntries(
      Object.entries(parameters).map(([name, value]) => [name, { value }]),
    ),
  };
}
