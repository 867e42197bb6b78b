// The Front Door Standard/Premium lever: a group's regions are origins of one origin group.
// Origin priorities (1-5) need not be unique; a promotion gives the region priority 1 and moves
// every other origin of the group to 2 or below. An origin update is a long-running operation,
// awaited for a while; after it, Front Door still deploys the change to its edge for minutes, so
// read() reports `propagating` until the origins' deployment status says it is done.
import type { AFDOrigin, AFDOriginUpdateParameters } from "@azure/arm-cdn";
import { CdnManagementClient } from "@azure/arm-cdn";
import type { LeverCapabilities, RegionRoute, RoutingState } from "../../core/levers.js";
import { FULL_LEVER } from "../../core/levers.js";
import type { LeverCallOptions, TrafficRouter } from "../../ports/traffic-router.js";
import type { ArmConnection, ResourceId } from "../../adapters/azure/arm.js";
import { FD_OPERATIONS } from "./operations.js";
import {
  ARM_DEFAULTS,
  armCall,
  awaitPatiently,
  parseResourceId,
  clientsBySubscription,
  Configured,
} from "../../adapters/azure/arm.js";

export interface FrontDoorGroup {
  readonly name: string;
  readonly profileId: string;
  readonly originGroup: string;
  /** Region name to origin name. */
  readonly origins: ReadonlyMap<string, string>;
}

interface Located {
  readonly profile: ResourceId;
  readonly group: FrontDoorGroup;
}

/**
 * Whether Front Door says it is still deploying an origin's last change. Not every origin reports
 * it (many show `NotStarted` for good); the runbook's verification waits for the global entry
 * point's probes as well.
 */
function deploying(origin: AFDOrigin): boolean {
  const provisioning = origin.provisioningState ?? "Succeeded";
  return (
    origin.deploymentStatus === "InProgress" ||
    provisioning === "Updating" ||
    provisioning === "Creating"
  );
}

export class FrontDoorRouter implements TrafficRouter {
  readonly #conn: ArmConnection;
  readonly #groups: Configured<Located>;
  readonly #client: (subscriptionId: string) => CdnManagementClient;

  constructor(conn: ArmConnection, groups: readonly FrontDoorGroup[]) {
    this.#conn = conn;
    this.#client = clientsBySubscription(conn, (c, sub, o) => new CdnManagementClient(c, sub, o));
    this.#groups = new Configured(
      groups.map((group) => [group.name, { group, profile: parseResourceId(group.profileId) }]),
      (name) => `group ${name} has no Front Door lever`,
    );
  }

  covers(group: string): boolean {
    return this.#groups.has(group);
  }

  capabilities(): LeverCapabilities {
    return FULL_LEVER;
  }

  #located(group: string): Located {
    return this.#groups.get(group);
  }

  async #origins(
    located: Located,
    doing: string,
    signal?: AbortSignal,
  ): Promise<Map<string, AFDOrigin>> {
    const { profile, group } = located;
    const all = await armCall(
      {
        action: FD_OPERATIONS.listOrigins.action,
        resource: `${profile.id}/originGroups/${group.originGroup}`,
        doing,
      },
      this.#conn,
      signal,
      async (abortSignal) => {
        const out: AFDOrigin[] = [];
        const pages = this.#client(profile.subscriptionId).afdOrigins.listByOriginGroup(
          profile.resourceGroup,
          profile.name,
          group.originGroup,
          { abortSignal },
        );
        for await (const origin of pages) out.push(origin);
        return out;
      },
    );
    const mine = new Map<string, AFDOrigin>();
    for (const [region, name] of group.origins) {
      const origin = all.find((o) => o.name?.toLowerCase() === name.toLowerCase());
      if (!origin)
        throw new Error(
          `Front Door origin group ${group.originGroup} of ${profile.name} has no origin "${name}" for ${region} (it has: ${all.map((o) => o.name).join(", ") || "none"})`,
        );
      mine.set(region, origin);
    }
    return mine;
  }

  async read(group: string, options: LeverCallOptions = {}): Promise<RoutingState> {
    const located = this.#located(group);
    const origins = await this.#origins(located, `read ${group}'s routing`, options.abortSignal);
    const regions: RegionRoute[] = [...origins].map(([region, o]) => ({
      region,
      enabled: o.enabledState !== "Disabled",
      priority: o.priority ?? 1,
      ...(o.weight === undefined ? {} : { weight: o.weight }),
    }));
    return { regions, propagating: [...origins.values()].some(deploying) };
  }

  /**
   * Sends origin updates, each accepted by Azure before the next is sent, then waits for their
   * long-running operations together (bounded: see awaitPatiently).
   */
  async #update(
    located: Located,
    changes: readonly { readonly origin: AFDOrigin; readonly change: AFDOriginUpdateParameters }[],
    doing: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { profile, group } = located;
    const resource = `${profile.id}/originGroups/${group.originGroup}`;
    await armCall(
      { action: FD_OPERATIONS.updateOrigin.action, resource, doing },
      this.#conn,
      signal,
      async (abortSignal) => {
        const pollers: { pollUntilDone(o: { abortSignal: AbortSignal }): Promise<unknown> }[] = [];
        for (const { origin, change } of changes)
          pollers.push(
            await this.#client(profile.subscriptionId).afdOrigins.beginUpdate(
              profile.resourceGroup,
              profile.name,
              group.originGroup,
              origin.name!,
              change,
              {
                abortSignal,
                updateIntervalInMs: this.#conn.pollIntervalMs ?? ARM_DEFAULTS.pollIntervalMs,
              },
            ),
          );
        await awaitPatiently(this.#conn, abortSignal, (patience) =>
          Promise.all(pollers.map((p) => p.pollUntilDone({ abortSignal: patience }))),
        );
      },
    );
  }

  async promote(group: string, region: string, options: LeverCallOptions = {}): Promise<void> {
    const located = this.#located(group);
    const doing = `promote ${region} in ${group}`;
    const origins = await this.#origins(located, doing, options.abortSignal);
    const target = origins.get(region);
    if (!target) throw new Error(`no region ${region} in group ${group}`);
    // The target first: while both are at 1 Front Door shares traffic between them by weight and
    // health, which is no worse than before; a call stopped there is finished by the next one.
    const changes = [
      ...((target.priority ?? 1) !== 1 ? [{ origin: target, change: { priority: 1 } }] : []),
      ...[...origins]
        .filter(([other, o]) => other !== region && (o.priority ?? 1) <= 1)
        .map(([, origin]) => ({ origin, change: { priority: 2 } })),
    ];
    if (changes.length > 0) await this.#update(located, changes, doing, options.abortSignal);
  }

  async setEnabled(
    group: string,
    region: string,
    enabled: boolean,
    options: LeverCallOptions = {},
  ): Promise<void> {
    const located = this.#located(group);
    const doing = `${enabled ? "enable" : "disable"} ${region} in ${group}`;
    const origin = (await this.#origins(located, doing, options.abortSignal)).get(region);
    if (!origin) throw new Error(`no region ${region} in group ${group}`);
    const state = enabled ? "Enabled" : "Disabled";
    if ((origin.enabledState ?? "Enabled") === state) return;
    await this.#update(
      located,
      [{ origin, change: { enabledState: state } }],
      doing,
      options.abortSignal,
    );
  }
}
