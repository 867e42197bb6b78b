// Every kind of lever Tandem can drive, listed once. The composition root builds levers from
// this list, the configuration schema takes each kind's settings from it, docs/permissions.md
// and the role definitions come from its operations, and the sandbox's ARM emulator loads each
// kind's emulated service. A new kind is a folder beside these and one line here.
import { aks } from "./aks/index.js";
import { cosmosdb } from "./cosmosdb/index.js";
import { frontDoor } from "./front-door/index.js";
import { sqlFailoverGroup } from "./sql-failover-group/index.js";
import { trafficManager } from "./traffic-manager/index.js";
import type {
  ClusterProvider,
  DataProvider,
  Provider,
  ProviderRegistry,
  TrafficProvider,
} from "./types.js";

export const PROVIDERS: ProviderRegistry = {
  traffic: [trafficManager, frontDoor],
  clusters: [aks],
  data: [sqlFailoverGroup, cosmosdb],
};

/** The registry with more providers (a test's, or an extension's). Kinds must not repeat. */
export function withProviders(
  base: ProviderRegistry,
  extra: readonly Provider[],
): ProviderRegistry {
  const registry = {
    traffic: [...base.traffic, ...extra.filter((p): p is TrafficProvider => p.role === "traffic")],
    clusters: [
      ...base.clusters,
      ...extra.filter((p): p is ClusterProvider => p.role === "cluster"),
    ],
    data: [...base.data, ...extra.filter((p): p is DataProvider => p.role === "data")],
  };
  for (const list of [registry.traffic, registry.clusters, registry.data]) {
    const kinds = list.map((p) => p.kind);
    const twice = kinds.find((k, i) => kinds.indexOf(k) !== i);
    if (twice) throw new Error(`two lever providers have the kind "${twice}"`);
  }
  return registry;
}

/** Every provider, both roles. */
export const allProviders = (registry: ProviderRegistry): readonly Provider[] => [
  ...registry.traffic,
  ...registry.clusters,
  ...registry.data,
];
