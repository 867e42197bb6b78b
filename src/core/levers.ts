// What the levers report: the routing of a group and the state of a region's cluster. Declared in
// core so that the runbook can reason about them; src/ports re-exports them for the adapters.

export interface RegionRoute {
  readonly region: string;
  /** Receives traffic at all (Traffic Manager endpointStatus, Front Door enabledState). */
  readonly enabled: boolean;
  /** Lower is preferred; unique within a group. */
  readonly priority: number;
}

export interface RoutingState {
  readonly regions: readonly RegionRoute[];
}

/** The region traffic goes to first: the enabled region with the lowest priority. */
export function primaryOf(state: RoutingState): string | undefined {
  return [...state.regions].filter((r) => r.enabled).sort((a, b) => a.priority - b.priority)[0]
    ?.region;
}

export type PowerState = "Running" | "Stopped" | "Starting" | "Stopping";

export interface NodePoolSize {
  readonly name: string;
  readonly count: number;
  readonly minCount?: number;
  readonly maxCount?: number;
}

export interface ClusterState {
  readonly power: PowerState;
  readonly nodePools: readonly NodePoolSize[];
}
