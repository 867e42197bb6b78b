// What Tandem's identity needs, made from the providers' own lists of ARM operations: the role
// files the deployment loads (infra/roles/<kind>.json) and the rows of docs/permissions.md. The
// levers call exactly these actions, so the documentation, the roles and the code cannot drift.
import type { ArmOperation, Provider, ProviderRegistry } from "./types.js";
import { allProviders } from "./registry.js";

/** Every RBAC action a provider's calls need, in the order first named, without repeats. */
export function actionsOf(provider: Provider): string[] {
  return [...new Set(provider.operations.map((o) => o.action))];
}

/** Every action of every provider. */
export function leverActions(registry: ProviderRegistry): string[] {
  return [...new Set(allProviders(registry).flatMap(actionsOf))];
}

/**
 * Where ARM checks an operation's action. Calls under a resource group are checked on the
 * resource they name, so a role on the resources the configuration names covers them; calls
 * under the subscription alone (a long-running operation's status) need a role there.
 */
export type RoleScope = "resource" | "subscription";

export function scopeOf(operation: ArmOperation): RoleScope {
  return /^\/subscriptions\/\{[^}/]+\}\/resourceGroups\//.test(operation.path)
    ? "resource"
    : "subscription";
}

export interface RoleDefinitionData {
  /** The role's name; the deployment adds its environment, since names are unique per tenant. */
  readonly roleName: string;
  readonly description: string;
  readonly actions: readonly string[];
  /** Where the deployment assigns it, in words. */
  readonly assignedOn: string;
}

/** One lever kind's roles, as infra/roles/<kind>.json holds them. */
export interface RoleFile {
  readonly kind: string;
  readonly title: string;
  readonly generatedFrom: string;
  /** Assigned on each resource a group's settings name (the provider's `scopes`). */
  readonly resource: RoleDefinitionData;
  /** Assigned on the subscription of those resources; no actions when none is needed. */
  readonly subscription: RoleDefinitionData;
}

/** The role file of one lever kind. */
export function roleFile(provider: Provider): RoleFile {
  const actions = (scope: RoleScope) => [
    ...new Set(provider.operations.filter((o) => scopeOf(o) === scope).map((o) => o.action)),
  ];
  return {
    kind: provider.kind,
    title: provider.title,
    generatedFrom: `src/providers/${provider.kind}/operations.ts by npm run gen; a test fails when this file is out of date`,
    resource: {
      roleName: `Tandem ${provider.title}`,
      description: `What Tandem calls on ${provider.title} resources to fail over, and nothing else.`,
      actions: actions("resource"),
      assignedOn: provider.scopeDescription,
    },
    subscription: {
      roleName: `Tandem ${provider.title} operations`,
      description: `Following ${provider.title} long-running operations, which ARM checks on the subscription.`,
      actions: actions("subscription"),
      assignedOn:
        "the subscription of those resources (only when the list of actions is not empty)",
    },
  };
}

/** infra/roles/<kind>.json for every lever kind, by path. */
export function roleFiles(registry: ProviderRegistry): Record<string, RoleFile> {
  return Object.fromEntries(
    allProviders(registry).map((p) => [`infra/roles/${p.kind}.json`, roleFile(p)]),
  );
}

/** The built-in roles the deployment assigns besides the levers' (infra/roles/built-in.json). */
export const BUILT_IN_ROLES = {
  stateStore: {
    name: "Storage Table Data Contributor",
    id: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    assignedOn: "the state store's storage account (it holds only Tandem's table)",
    why: "read and write Tandem's table (data actions `Microsoft.Storage/storageAccounts/tableServices/tables/entities/*`)",
  },
  hostStorage: {
    name: "Storage Blob Data Owner",
    id: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    assignedOn: "each Function App's own host storage account",
    why: "the Functions host's timer leases (blobs) and the deployment package",
  },
  secrets: {
    name: "Key Vault Secrets User",
    id: "4633458b-17de-408a-b874-0445c86b69e6",
    assignedOn: "Tandem's Key Vault",
    why: "resolve the Key Vault references of the secret app settings",
  },
  telemetry: {
    name: "Monitoring Metrics Publisher",
    id: "3913510d-42f4-4e42-8a64-420c390055eb",
    assignedOn: "Tandem's Application Insights",
    why: "send telemetry with Entra ID (local authentication is off)",
  },
  deployerSecrets: {
    name: "Key Vault Secrets Officer",
    id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    assignedOn: "Tandem's Key Vault, for the person who runs `azd up` (not Tandem's identity)",
    why: "set and rotate the secrets",
  },
} as const;

/** The permissions table of docs/permissions.md: the built-in roles, then one row per lever role. */
export function permissionsTable(registry: ProviderRegistry): string {
  const rows: [string, string, string][] = [
    ...Object.values(BUILT_IN_ROLES).map((r): [string, string, string] => [
      r.why,
      `built-in role **${r.name}**`,
      r.assignedOn,
    ]),
    ...allProviders(registry).flatMap((p) => {
      const file = roleFile(p);
      const forWhat =
        p.role === "traffic"
          ? `groups with \`traffic.kind: "${p.kind}"\` (${p.title})`
          : `regions with a \`${p.kind}\` cluster (${p.title}: wake, scale)`;
      const list = (scope: RoleScope) =>
        p.operations
          .filter((o) => scopeOf(o) === scope)
          .map((o) => `\`${o.action}\` (${o.why})`)
          .join("; ");
      return [
        [
          forWhat,
          `custom role **${file.resource.roleName}**: ${list("resource")}`,
          file.resource.assignedOn,
        ] as [string, string, string],
        ...(file.subscription.actions.length > 0
          ? [
              [
                `${forWhat}, following its long-running operations`,
                `custom role **${file.subscription.roleName}**: ${list("subscription")}`,
                "the subscription of those resources",
              ] as [string, string, string],
            ]
          : []),
      ];
    }),
  ];
  return [
    "| for | role and actions | assigned on |",
    "| --- | --- | --- |",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export const GENERATED_BEGIN =
  "<!-- generated from the providers' ARM operations by npm run gen: begin -->";
export const GENERATED_END = "<!-- generated: end -->";

/** docs/permissions.md with its generated part made anew from the registry. */
export function renderPermissionsDoc(current: string, registry: ProviderRegistry): string {
  const begin = current.indexOf(GENERATED_BEGIN);
  const end = current.indexOf(GENERATED_END);
  if (begin < 0 || end < begin)
    throw new Error(
      `docs/permissions.md lacks the markers ${GENERATED_BEGIN} ... ${GENERATED_END}`,
    );
  const generated = [
    GENERATED_BEGIN,
    "",
    permissionsTable(registry),
    "",
    "The custom roles are the role files the deployment loads, one per lever kind",
    `(${allProviders(registry)
      .map((p) => `[\`infra/roles/${p.kind}.json\`](../infra/roles/${p.kind}.json)`)
      .join(", ")}); the built-in roles' ids are in`,
    "[`infra/roles/built-in.json`](../infra/roles/built-in.json). For example, the Traffic Manager role:",
    "",
    "```json",
    JSON.stringify(roleFile(registry.traffic[0] ?? allProviders(registry)[0]!).resource, null, 2),
    "```",
    "",
  ].join("\n");
  return current.slice(0, begin) + generated + current.slice(end);
}
