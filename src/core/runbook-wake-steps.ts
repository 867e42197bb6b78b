// The steps that wake a standby region before traffic moves to it: pre-warming its cluster while
// the verdict is confirmed, waking and scaling it, and waiting until it passes its probes. Each
// checks the cluster's current state and moves on only when it is as wanted. Pure.
import { noted } from "./incident.js";
import { topRegions } from "./levers.js";
import type { RunbookResult } from "./runbook.js";
import { automationRefusal, healthy, poolsShort, wantedPools } from "./runbook-rules.js";
import type { StepContext } from "./runbook-step-context.js";
import { towardsTraffic } from "./runbook-data-steps.js";

/**
 * passive-cold, while the primary is suspect: the standby's cluster starts, and the incident
 * becomes a failover if the primary is confirmed down, or ends (stopping the cluster again, if
 * the policy says so) if it recovers.
 */
export function prewarming(c: StepContext): RunbookResult {
  const { incident, s, policy, step, stay, timedOut } = c;
  const at = s.now;
  const from = incident.from!;
  const wake = incident.wake!;
  // Never stop a cluster that serves as primary (a person may have promoted it meanwhile).
  const mayStop =
    policy.stopColdOnClear &&
    incident.startedCluster &&
    s.routing !== undefined &&
    !topRegions(s.routing).includes(wake.region);
  if (timedOut(policy.wakeTimeoutMs))
    return step(
      "aborted",
      `pre-warming ${wake.region} ran past ${Math.round(policy.wakeTimeoutMs / 1000)} s without a failover${mayStop ? `; its cluster is stopped again` : ""}`,
      mayStop ? [{ kind: "stop-cluster", region: wake.region }] : [],
    );
  if (s.kept[from] === "down") {
    const refusal = automationRefusal(s, policy, true);
    if (refusal) return stay(refusal.reason, [], refusal);
    return step("confirmed", `${from} confirmed down while ${wake.region} was warming`);
  }
  if (s.kept[from] !== "suspect") {
    // AKS refuses to stop a cluster that is still starting: wait until it runs, then stop it.
    if (mayStop && s.clusters[wake.region]?.power === "Starting")
      return stay(
        `${from} is ${s.kept[from] ?? "unknown"}: ${wake.region}'s cluster is still starting; it is stopped again once it runs`,
      );
    const stop = mayStop ? [{ kind: "stop-cluster" as const, region: wake.region }] : [];
    return step(
      "aborted",
      `${from} is ${s.kept[from] ?? "unknown"}: pre-warming stopped${stop.length ? `, ${wake.region}'s cluster stopped again` : ""}`,
      stop,
    );
  }
  const cluster = s.clusters[wake.region];
  if (cluster?.power === "Stopped")
    return {
      incident: {
        ...noted(incident, at, s.epoch, `starting ${wake.region}'s cluster`),
        startedCluster: true,
      },
      opened: false,
      effects: [{ kind: "start-cluster", region: wake.region }],
    };
  return stay(
    `${wake.region}'s cluster is ${cluster?.power ?? "unknown"}; waiting for the verdict on ${from}`,
  );
}

/** Starts the standby's cluster (once more if an earlier operation left it Failed) and scales it. */
export function waking(c: StepContext): RunbookResult {
  const { group, incident, s, policy, step, stay, timedOut, failed } = c;
  const at = s.now;
  const wake = incident.wake!;
  if (timedOut(policy.wakeTimeoutMs))
    return failed(
      `${wake.region}'s cluster did not wake within ${Math.round(policy.wakeTimeoutMs / 1000)} s`,
    );
  const cluster = s.clusters[wake.region];
  if (!cluster) return stay(`${wake.region}'s cluster cannot be read`);
  const start = (note: string): RunbookResult => ({
    incident: { ...noted(incident, at, s.epoch, note), startedCluster: true },
    opened: false,
    effects: [{ kind: "start-cluster", region: wake.region }],
  });
  if (cluster.power === "Stopped") return start(`starting ${wake.region}'s cluster`);
  if (cluster.power === "Stopping") return stay(`${wake.region}'s cluster is stopping; waiting`);
  // A cluster left Failed by an earlier operation gets one start (AKS's way out of a failed
  // stop); one that fails after this incident started it needs a person.
  if (cluster.power === "Failed")
    return incident.startedCluster
      ? failed(
          `${wake.region}'s cluster failed to start (${cluster.detail ?? "provisioning failed"})`,
        )
      : start(`${wake.region}'s cluster is Failed (${cluster.detail ?? "?"}); trying a start`);
  if (cluster.power === "Starting") return stay(`waking ${wake.region}: Starting`);
  const wanted = wantedPools(group, wake.region);
  if (poolsShort(cluster, wanted))
    return stay(`scaling ${wake.region}'s node pools`, [
      { kind: "scale", region: wake.region, pools: wanted },
    ]);
  return step(
    "waiting-ready",
    `${wake.region}'s cluster is running; waiting for its probes to pass`,
  );
}

/** Traffic moves to the woken region only once its own probes pass. */
export function waitingReady(c: StepContext): RunbookResult {
  const { incident, s, policy, stay, timedOut, failed } = c;
  if (timedOut(policy.wakeTimeoutMs))
    return failed(
      `${incident.to} did not pass its probes within ${Math.round(policy.wakeTimeoutMs / 1000)} s`,
    );
  if (healthy(s, incident.to))
    return towardsTraffic(
      c,
      `${incident.to} passes its probes`,
      `${incident.to} passes its probes`,
    );
  return stay(
    `waiting for ${incident.to} to pass its probes (${s.evidence[incident.to] ?? "unknown"})`,
  );
}
