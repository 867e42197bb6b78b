// A new version goes out one region at a time: first the observers that do not hold the lease,
// each one live again before the next, and the lease holder last, so that the observer acting on
// an incident keeps acting for as long as possible and the lease moves at most once. These read
// what GET /api/status says; infra/hooks/deploy.sh does the deploying between them.
import type { StatusView } from "../app/api/types.js";

export interface UpgradeOrder {
  /** Observer regions in the order to upgrade them. */
  readonly regions: readonly string[];
  /** The observer holding the lease when asked, if any (it comes last). */
  readonly holder?: string;
  /** Why the order is what it is, for a person. */
  readonly note: string;
}

/** The order to upgrade observers in: the configuration's order, the lease holder moved last. */
export function upgradeOrder(observers: readonly string[], status?: StatusView): UpgradeOrder {
  if (!status)
    return {
      regions: [...observers],
      note: "Tandem's status could not be read: the configuration's order (nothing is running, or nothing answers)",
    };
  const holder = status.lease?.observer;
  if (!holder || !observers.includes(holder))
    return {
      regions: [...observers],
      note: holder
        ? `the lease is held by ${holder}, which is not in the configuration: the configuration's order`
        : "nobody holds the lease: the configuration's order",
    };
  return {
    regions: [...observers.filter((o) => o !== holder), holder],
    holder,
    note: `${holder} holds the lease (epoch ${status.lease!.epoch}): it goes last`,
  };
}

export interface LiveCheck {
  readonly live: boolean;
  /** What was seen, for a person. */
  readonly seen: string;
}

/**
 * Whether an upgraded observer is live again: the status (from any observer) sees its heartbeat
 * moving, from a tick that started after the deployment finished, on the expected version.
 */
export function liveAgain(
  status: StatusView,
  region: string,
  since: Date,
  version?: string,
): LiveCheck {
  const o = status.observers.find((x) => x.region === region);
  if (!o) return { live: false, seen: `${region} is not among the observers` };
  const tick = o.lastTickAt ? new Date(o.lastTickAt) : undefined;
  const seen = `${region}: ${o.liveness}, last tick ${o.lastTickAt ?? "never"}, version ${o.version ?? "unknown"}`;
  const live =
    o.liveness === "live" &&
    tick !== undefined &&
    tick.getTime() >= since.getTime() &&
    (version === undefined || o.version === version);
  return { live, seen };
}
