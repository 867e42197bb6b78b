// What Tandem's identity needs, made from the providers' own lists of ARM operations: the rows of
// docs/permissions.md and the custom role definition. The levers call exactly these actions, so
// the documentation and the role cannot drift from the code.
import type { Provider, ProviderRegistry } from "./types.js";
import { allProviders } from "./registry.js";

/** Every RBAC action a provider's calls need, in the order first named, without repeats. */
export function actionsOf(provider: Provider): string[] {
  return [...new Set(provider.operations.map((o) => o.action))];
}

/** Every action of every provider, for one role that covers all levers. */
export function leverActions(registry: ProviderRegistry): string[] {
  return [...new Set(allProviders(registry).flatMap(actionsOf))];
}

/** A custom role definition that grants exactly what the levers call. */
export function roleDefinition(registry: ProviderRegistry, assignableScope: string) {
  return {
    Name: "Tandem operator",
    Description: "What Tandem needs to fail over traffic and wake clusters, and nothing else.",
    Actions: leverActions(registry),
    AssignableScopes: [assignableScope],
  };
}

/** The permissions table of docs/permissions.md, one row per provider after the state store's. */
export function permissionsTable(registry: ProviderRegistry): string {
  const rows: [string, string, string][] = [
    [
      "the state store",
      "data action `Microsoft.Storage/storageAccounts/tableServices/tables/entities/*` (built-in role **Storage Table Data Contributor**), or a connection string in a setting",
      "the storage account",
    ],
    ...allProviders(registry).map((p): [string, string, string] => [
      p.role === "traffic"
        ? `groups with \`traffic.kind: "${p.kind}"\` (${p.title})`
        : `regions with a \`${p.kind}\` cluster (${p.title}: wake, scale)`,
      p.operations.map((o) => `\`${o.action}\` (${o.why})`).join("; "),
      p.role === "traffic" ? "the resource the settings name" : "each cluster",
    ]),
  ];
  return [
    "| for | actions | scope |",
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
    "A custom role that covers every lever, for one resource group:",
    "",
    "```json",
    JSON.stringify(
      roleDefinition(registry, "/subscriptions/<subscription>/resourceGroups/<resource group>"),
      null,
      2,
    ),
    "```",
    "",
  ].join("\n");
  return current.slice(0, begin) + generated + current.slice(end);
}
