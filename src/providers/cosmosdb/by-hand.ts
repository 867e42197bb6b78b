// What a person runs to move a Cosmos DB account's write region, as the Azure CLI and the REST
// API spell it: a planned change is "az cosmosdb failover-priority-change" (the location given
// priority 0 becomes the write region; every location listed); a forced one takes the lost
// write region offline ("offlineRegion", learn.microsoft.com), after which the next location by
// failover priority takes writes, and what it had not replicated is lost.
import { COSMOSDB_API_VERSION } from "./operations.js";

/** The command that makes `region` the account's write region. */
export function cosmosByHand(
  settings: { readonly resourceId: string; readonly locations?: Readonly<Record<string, string>> },
  region: string,
  mode: "planned" | "forced",
): string | undefined {
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DocumentDB\/databaseAccounts\/([^/]+)$/i.exec(
      settings.resourceId,
    );
  if (!m) return undefined;
  const [, subscription, group, name] = m;
  const location = settings.locations?.[region] ?? region;
  if (mode === "planned")
    return `az cosmosdb failover-priority-change --subscription ${subscription} --resource-group ${group} --name ${name} --failover-policies '${location}=0' '<every other location>=1' ... (each location of the account, in the order wanted)`;
  return `az rest --method post --url "https://management.azure.com${settings.resourceId}/offlineRegion?api-version=${COSMOSDB_API_VERSION}" --body '{"region": "<the lost write region>"}' (${location} takes writes if it is next by failover priority)`;
}
