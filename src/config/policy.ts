// The policy in force for one group: the top-level policy with the group's overrides on top.
import type { GroupConfig, TandemConfig } from "./schema.js";

export interface EffectivePolicy {
  readonly intervalSeconds: number;
  readonly probeTimeoutSeconds: number;
  readonly observerStaleSeconds: number;
  readonly leaseSeconds: number;
  readonly leaseRenewDeadlineSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly dwellSeconds: number;
  readonly maxAutoFailovers: number;
  readonly autoFailoverWindowMinutes: number;
  readonly autoFailback: boolean;
  readonly stepTimeoutSeconds: number;
  readonly dataTimeoutSeconds: number;
  readonly wakeTimeoutSeconds: number;
  readonly propagationTimeoutSeconds: number;
  readonly stopColdClusterOnClear: boolean;
  readonly leverReconcileSeconds: number;
  readonly returnToCold: boolean;
  readonly manualHoldMinutes?: number;
}

// Asked for on every tick for every group; the answer never changes for one config and group.
const cache = new WeakMap<TandemConfig, Map<GroupConfig | undefined, EffectivePolicy>>();

export function effectivePolicy(config: TandemConfig, group?: GroupConfig): EffectivePolicy {
  let byGroup = cache.get(config);
  if (!byGroup) cache.set(config, (byGroup = new Map()));
  let policy = byGroup.get(group);
  if (!policy) byGroup.set(group, (policy = Object.freeze(merge(config, group))));
  return policy;
}

function merge(config: TandemConfig, group: GroupConfig | undefined): EffectivePolicy {
  const base = config.policy;
  const merged = { ...base, ...group?.policy };
  return {
    ...merged,
    observerStaleSeconds: base.observerStaleSeconds ?? base.intervalSeconds * 3,
    leaseSeconds: base.leaseSeconds ?? base.intervalSeconds * 3,
    leaseRenewDeadlineSeconds: base.leaseRenewDeadlineSeconds ?? base.intervalSeconds * 2,
  };
}
