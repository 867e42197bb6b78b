// The Front Door Standard/Premium lever: a group's regions are origins of one origin group.
// Origin priorities (1-5) need not be unique; a promotion gives the region priority 1 and moves
// every other origin of the group to 2 or below. An origin update is a long-running operation;
// the updates of one change are sent one after the other, each once the one before has ended,
// and a 409 (an update of the origin group still running, ours from an earlier tick or someone
// else's) is waited out and sent again, within the patience for long-running operations. A
// change cut short there is finished by the next call, which reads first. After ARM, Front Door
// still deploys the change to its edge for minutes with no signal in the API (deploymentStatus
// stays NotStarted): the lever declares that lag, and the runbook verifies on the data plane.
import type { AFDOrigin, AFDOriginUpdateParameters } from "@azure/arm-cdn";
import { CdnManagementClient } from "@azure/arm-cdn";
import type { RegionRoute, RoutingState } from "../../core/levers.js";
import type { LeverCallOptions } from "../../ports/traffic-router.js";
import type { ArmConnection } from "../../adapters/azure/arm.js";
import { ARM_DEFAULTS, armCall, awaitPatiently } from "../../adapters/azure/arm.js";
import type { ProfileGroup, StateChange } from "../arm-lever.js";
import { ArmTrafficRouter, membersByRegion } from "../arm-lever.js";
import { FRONT_DOOR_LEVER } from "./capabilities.js";
import { FD_OPERATIONS } from "./operations.js";

export interface FrontDoorGroup {
  readonly name: string;
  readonly profileId: string;
  readonly originGroup: string;
  /** Region name to origin name. */
  readonly origins: ReadonlyMap<string, string>;
}

type Located = ProfileGroup<FrontDoorGroup>;

/**
 * Whether ARM still works on an origin's last change (its operation runs). Whether the edge
 * serves it is not in the API: deploymentStatus says NotStarted before, during and after, as the
 * spec's own examples show; InProgress is honoured should it ever say so.
 */
function deploying(origin: AFDOrigin): boolean {
  const provisioning = origin.provisioningState ?? "Succeeded";
  return (
    origin.deploymentStatus === "InProgress" ||
    provisioning === "Updating" ||
    provisioning === "Creating"
  );
}

export class FrontDoorRouter extends ArmTrafficRouter<FrontDoorGroup, CdnManagementClient> {
  constructor(conn: ArmConnection, groups: readonly FrontDoorGroup[]) {
    super(conn, CdnManagementClient, groups, "Front Door", FRONT_DOOR_LEVER);
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
      this.lever.conn,
      signal,
      async (abortSignal) => {
        const out: AFDOrigin[] = [];
        const pages = this.lever
          .client(profile.subscriptionId)
          .afdOrigins.listByOriginGroup(profile.resourceGroup, profile.name, group.originGroup, {
            abortSignal,
          });
        for await (const origin of pages) out.push(origin);
        return out;
      },
    );
    return membersByRegion(
      group.origins,
      all,
      (name, region, has) =>
        `Front Door origin group ${group.originGroup} of ${profile.name} has no origin "${name}" for ${region} (it has: ${has})`,
    );
  }

  async read(group: string, options: LeverCallOptions = {}): Promise<RoutingState> {
    const located = this.lever.get(group);
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
   * Sends origin updates one after the other, each once the one before has ended; a 409 is
   * waited out and sent again. All within the patience for long-running operations (see
   * awaitPatiently): what is left then is the next call's, which reads first.
   */
  async #update(
    located: Located,
    changes: readonly { readonly origin: AFDOrigin; readonly change: AFDOriginUpdateParameters }[],
    doing: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { profile, group } = located;
    const resource = `${profile.id}/originGroups/${group.originGroup}`;
    const interval = this.lever.conn.pollIntervalMs ?? ARM_DEFAULTS.pollIntervalMs;
    await armCall(
      { action: FD_OPERATIONS.updateOrigin.action, resource, doing },
      this.lever.conn,
      signal,
      (abortSignal) =>
        awaitPatiently(this.lever.conn, abortSignal, async (patience) => {
          for (const { origin, change } of changes) {
            const poller = await untilNoConflict(patience, interval, () =>
              this.lever
                .client(profile.subscriptionId)
                .afdOrigins.beginUpdate(
                  profile.resourceGroup,
                  profile.name,
                  group.originGroup,
                  origin.name!,
                  change,
                  { abortSignal: patience, updateIntervalInMs: interval },
                ),
            );
            await poller.pollUntilDone({ abortSignal: patience });
          }
        }),
    );
  }

  async promote(group: string, region: string, options: LeverCallOptions = {}): Promise<void> {
    const located = this.lever.get(group);
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

  protected async setState(change: StateChange<Located>): Promise<void> {
    const { located, region, state, doing, signal } = change;
    const origin = (await this.#origins(located, doing, signal)).get(region);
    if (!origin) throw new Error(`no region ${region} in group ${located.group.name}`);
    if ((origin.enabledState ?? "Enabled") === state) return;
    await this.#update(located, [{ origin, change: { enabledState: state } }], doing, signal);
  }
}

/**
 * Sends a request again while Azure answers 409 (an update of the same origin group still runs),
 * every `intervalMs`, until it is accepted or `signal` ends the wait.
 */
async function untilNoConflict<T>(
  signal: AbortSignal,
  intervalMs: number,
  send: () => Promise<T>,
): Promise<T> {
  for (;;) {
    try {
      return await send();
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode !== 409 || signal.aborted) throw error;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, intervalMs);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
