// What a person runs to make a region's server the failover group's primary, as the Azure CLI
// spells it ("az sql failover-group set-primary", learn.microsoft.com: run against the server
// that is to become primary; `--allow-data-loss` forces it while the primary is unreachable).

/** The `az` command for `region`, or undefined when the store names no server there. */
export function sqlByHand(
  settings: { readonly servers: Readonly<Record<string, string>>; readonly failoverGroup: string },
  region: string,
  mode: "planned" | "forced",
): string | undefined {
  const server = settings.servers[region];
  const m =
    server &&
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Sql\/servers\/([^/]+)$/i.exec(
      server,
    );
  if (!m) return undefined;
  const [, subscription, group, name] = m;
  return `az sql failover-group set-primary --subscription ${subscription} --resource-group ${group} --server ${name} --name ${settings.failoverGroup}${mode === "forced" ? " --allow-data-loss" : ""}`;
}
