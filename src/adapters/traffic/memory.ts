// A traffic lever held in memory: the simulator's, the pure core's tests', and the dry run's copy. Keeps priorities unique as Traffic Manager does, so a promotion
// moves the old primary through a free value. A fault hook lets the simulator fail any call.
import type { LeverCapabilities, RegionRoute, RoutingState } from "../../core/levers.js";
import { FULL_LEVER } from "../../core/levers.js";
import type { LeverCallOptions, TrafficRouter } from "../../ports/traffic-router.js";

export interface GroupLayout {
  readonly name: string;
  readonly model: string;
  readonly regions: readonly { readonly name: string; readonly role: string }[];
}

/** The routing a group starts with: the primary first, every region enabled. */
export function initialRouting(group: GroupLayout): RegionRoute[] {
  const ordered = [...group.regions].sort(
    (a, b) => Number(b.role === "primary") - Number(a.role === "primary"),
  );
  return ordered.map((r, i) => ({ region: r.name, enabled: true, priority: i + 1 }));
}

export class MemoryTrafficRouter implements TrafficRouter {
  readonly #groups = new Map<string, RegionRoute[]>();
  /** Called before every call; an error it returns is thrown instead of the call. */
  fault: ((call: string, group: string) => Error | undefined) | undefined;
  /** Called after every change. */
  onChange: ((group: string, state: RoutingState) => void) | undefined;
  /** Every call that changed something, for tests that check no effect ran twice. */
  readonly changes: string[] = [];
  /** What it declares it can do (all of it unless a test says otherwise). */
  can: LeverCapabilities = FULL_LEVER;

  constructor(groups: readonly GroupLayout[]) {
    for (const g of groups) this.#groups.set(g.name, initialRouting(g));
  }

  /** A router that starts from routings read elsewhere (the dry run starts from the real lever). */
  static from(routings: ReadonlyMap<string, RoutingState>): MemoryTrafficRouter {
    const router = new MemoryTrafficRouter([]);
    for (const [group, state] of routings)
      router.#groups.set(
        group,
        state.regions.map((r) => ({ ...r })),
      );
    return router;
  }

  covers(group: string): boolean {
    return this.#groups.has(group);
  }

  capabilities(): LeverCapabilities {
    return this.can;
  }

  #routes(call: string, group: string): RegionRoute[] {
    const error = this.fault?.(call, group);
    if (error) throw error;
    const routes = this.#groups.get(group);
    if (!routes) throw new Error(`no traffic lever for group ${group}`);
    return routes;
  }

  /** What `read` reports as the clients' lag after a change (a DNS TTL); none when absent. */
  clientLagMs: number | undefined;

  async read(group: string, _options?: LeverCallOptions): Promise<RoutingState> {
    return {
      regions: this.#routes("read", group).map((r) => ({ ...r })),
      ...(this.clientLagMs === undefined ? {} : { clientLagMs: this.clientLagMs }),
    };
  }

  async promote(group: string, region: string): Promise<void> {
    const routes = this.#routes("promote", group);
    const target = routes.find((r) => r.region === region);
    if (!target) throw new Error(`no region ${region} in group ${group}`);
    const top = Math.min(...routes.map((r) => r.priority));
    if (target.priority === top) return;
    this.changes.push(`promote ${group}/${region}`);
    const holder = routes.find((r) => r.priority === top)!;
    const free = Math.max(...routes.map((r) => r.priority)) + 1;
    const old = target.priority;
    this.#set(group, routes, region, { priority: free });
    this.#set(group, routes, holder.region, { priority: old });
    this.#set(group, routes, region, { priority: top });
  }

  async setEnabled(group: string, region: string, enabled: boolean): Promise<void> {
    const routes = this.#routes("setEnabled", group);
    const route = routes.find((r) => r.region === region);
    if (!route) throw new Error(`no region ${region} in group ${group}`);
    if (route.enabled === enabled) return;
    this.changes.push(`${enabled ? "enable" : "disable"} ${group}/${region}`);
    this.#set(group, routes, region, { enabled });
  }

  #set(group: string, routes: RegionRoute[], region: string, change: Partial<RegionRoute>): void {
    const i = routes.findIndex((r) => r.region === region);
    routes[i] = { ...routes[i]!, ...change };
    this.onChange?.(group, { regions: routes.map((r) => ({ ...r })) });
  }

  /** The current routing, without the fault hook (for the sandbox and invariant checks). */
  peek(group: string): RoutingState {
    return { regions: (this.#groups.get(group) ?? []).map((r) => ({ ...r })) };
  }
}
