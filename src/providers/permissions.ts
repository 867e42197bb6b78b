// What Tandem's identity needs, made from the providers' own lists of ARM operations: the role
// file the deployment loads (infra/roles/levers.json, every kind's roles by kind) and the rows of
// docs/permissions.md. The levers call exactly these actions, so the documentation, the roles and
// the code cannot drift, and a new lever kind changes no template.
import type { ArmOperation, Provider, ProviderRegistry } from "./types.js";
import { allProviders } from "./registry.js";

/** Every RBAC action a provider's calls need, in the order first named, without repeats. */
export function actionsOf(provider: Provider): string[] {
  return [...new Set(provider.operations.map((o) => o.action))];
}

/**
 * Where ARM checks an operation's action. Calls that name a resource are checked on it, so a role
 * on the resources the configuration names covers them. A long-running operation's status is a
 * URL of the resource provider's own, not under the resource: under the resource group the
 * resource is in for some providers (Microsoft.Cdn), under the subscription for others
 * (Microsoft.ContainerService); a role is needed there.
 */
export type RoleScope = "resource" | "resourceGroup" | "subscription";

const UNDER_GROUP =
  /^\/subscriptions\/\{[^}/]+\}\/resourceGroups\/\{[^}/]+\}\/providers\/[^/]+\/(.+)$/;
const OPERATION_STATUS = /^(operationresults|operations|operationStatuses)\//i;

export function scopeOf(operation: ArmOperation): RoleScope {
  const inGroup = UNDER_GROUP.exec(operation.path);
  if (inGroup) return OPERATION_STATUS.test(inGroup[1]!) ? "resourceGroup" : "resource";
  return "subscription";
}

/** Where the role for following long-running operations is assigned. */
export type OperationsScope = Exclude<RoleScope, "resource">;

export interface RoleDefinitionData {
  /** The role's name; the deployment adds its environment, since names are unique per tenant. */
  readonly roleName: string;
  readonly description: string;
  readonly actions: readonly string[];
  /** Where the deployment assigns it, in words. */
  readonly assignedOn: string;
}

/** One lever kind's roles, as infra/roles/levers.json holds them under the kind. */
export interface RoleFile {
  readonly kind: string;
  readonly title: string;
  /**
   * Assigned on each resource a group's settings name (the provider's `scopes`), whose type is
   * `type` (the provider's `scopeType`).
   */
  readonly resource: RoleDefinitionData & { readonly type: string };
  /**
   * Following long-running operations: assigned where ARM checks them (`assignedAt`), the
   * subscription or each resource group of those resources; no actions when none is needed.
   */
  readonly operations: RoleDefinitionData & { readonly assignedAt: OperationsScope };
}

const OPERATIONS_AT: Record<OperationsScope, { checked: string; assignedOn: string }> = {
  subscription: {
    checked: "ARM checks on the subscription",
    assignedOn: "the subscription of those resources",
  },
  resourceGroup: {
    checked: "ARM checks on the resource group the resource is in",
    assignedOn: "the resource group of each of those resources",
  },
};

/** The role file of one lever kind. */
export function roleFile(provider: Provider): RoleFile {
  const actions = (scope: RoleScope) => [
    ...new Set(provider.operations.filter((o) => scopeOf(o) === scope).map((o) => o.action)),
  ];
  const at = [
    ...new Set(provider.operations.map(scopeOf).filter((s) => s !== "resource")),
  ] as OperationsScope[];
  if (at.length > 1)
    throw new Error(
      `provider ${provider.kind} follows operations both on the subscription and on resource groups: one operations role cannot be assigned at both`,
    );
  const assignedAt = at[0] ?? "subscription";
  return {
    kind: provider.kind,
    title: provider.title,
    resource: {
      type: provider.scopeType,
      roleName: `Tandem ${provider.title}`,
      description: `What Tandem calls on ${provider.title} resources to fail over, and nothing else.`,
      actions: actions("resource"),
      assignedOn: provider.scopeDescription,
    },
    operations: {
      roleName: `Tandem ${provider.title} operations`,
      description: `Following ${provider.title} long-running operations, which ${OPERATIONS_AT[assignedAt].checked}.`,
      actions: actions(assignedAt),
      assignedOn: OPERATIONS_AT[assignedAt].assignedOn,
      assignedAt,
    },
  };
}

/** infra/roles/levers.json: every lever kind's role file, by kind. */
export function leverRoleFiles(registry: ProviderRegistry): {
  readonly generatedFrom: string;
  readonly kinds: Readonly<Record<string, RoleFile>>;
} {
  return {
    generatedFrom:
      "each lever provider's operations and scopeType (src/providers/<kind>/) by npm run gen; a test fails when this file is out of date",
    kinds: Object.fromEntries(allProviders(registry).map((p) => [p.kind, roleFile(p)])),
  };
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
    assignedOn:
      "each Function App's own host storage account, for that region's own host identity (not Tandem's identity, and no identity on another region's)",
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
          : p.role === "data"
            ? `stores (\`groups[].data[]\`) with \`kind: "${p.kind}"\` (${p.title}: fail over)`
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
        ...(file.operations.actions.length > 0
          ? [
              [
                `${forWhat}, following its long-running operations`,
                `custom role **${file.operations.roleName}**: ${list(file.operations.assignedAt)}`,
                file.operations.assignedOn,
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
    "The custom roles are those of the role file the deployment loads, one entry per lever kind",
    `(${allProviders(registry)
      .map((p) => `\`${p.kind}\``)
      .join(
        ", ",
      )} in [\`infra/roles/levers.json\`](../infra/roles/levers.json)); the built-in roles' ids are in`,
    "[`infra/roles/built-in.json`](../infra/roles/built-in.json). For example, the Traffic Manager role:",
    "",
    "```json",
    JSON.stringify(roleFile(registry.traffic[0] ?? allProviders(registry)[0]!).resource, null, 2),
    "```",
    "",
  ].join("\n");
  return current.slice(0, begin) + generated + current.slice(end);
}
