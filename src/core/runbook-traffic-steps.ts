// The steps that move traffic and check it moved: the lever change (under the safety rules) and
// the verification through the lever and the global entry point. Pure.
import type { Refusal, RunbookResult } from "./runbook.js";
import { healthy, leavesHealthy, shifted } from "./runbook-rules.js";
import type { StepContext } from "./runbook-step-context.js";
import { afterTraffic, dataMaybeMoved } from "./runbook-data-steps.js";

const PROPAGATING = "the lever is propagating the change to its edge";
const EDGE_WAIT =
  "the lever took the change; waiting for its edge to serve it: the global entry point's probes do not pass on the new routing yet (the lever's API gives no sign of propagation)";

/**
 * Asks the lever for the shift until it shows it, provided the reason still holds (the source is
 * still down), the target is healthy (or a person overrode that) and a healthy region is left.
 */
export function shiftingTraffic(c: StepContext): RunbookResult {
  const { incident, s, policy, sinceStep, step, stay, timedOut, failed } = c;
  if (!s.routing)
    return timedOut(policy.stepTimeoutMs)
      ? failed(`the traffic lever could not be read for ${Math.round(sinceStep / 1000)} s`)
      : stay("the traffic lever cannot be read");
  if (shifted(s.routing, incident.shift))
    return step("verifying", "the lever shows the new routing");
  // Before traffic moves, the reason must still hold: an automatic failover whose source
  // is no longer down (it recovered, even if only for now) ends here, and moves nothing. Once its
  // data was asked to move, traffic follows the data instead (it may be primary there already).
  const source = incident.from;
  if (
    incident.kind === "failover" &&
    incident.trigger === "automatic" &&
    source !== undefined &&
    s.kept[source] !== "down" &&
    !dataMaybeMoved(incident)
  )
    return step(
      "aborted",
      `${source} is ${s.kept[source] ?? "unknown"} again before traffic moved: no failover${incident.startedCluster && incident.wake ? `; ${incident.wake.region}'s cluster goes cold again once ${source} has been healthy for the dwell time` : ""}`,
    );
  if (timedOut(policy.stepTimeoutMs))
    return failed(`the lever did not change within ${Math.round(policy.stepTimeoutMs / 1000)} s`);
  const { shift } = incident;
  if (shift.kind === "disable") {
    if (!leavesHealthy(s, s.routing, shift.region)) {
      const refusal: Refusal = {
        rule: "last-healthy-region",
        reason: `disabling ${shift.region} would leave no healthy region`,
      };
      return stay(refusal.reason, [], refusal);
    }
    return stay(`disabling ${shift.region}`, [
      { kind: "set-enabled", region: shift.region, enabled: false },
    ]);
  }
  if (!healthy(s, shift.region) && !incident.override) {
    const refusal: Refusal = {
      rule: "unhealthy-target",
      reason: `${shift.region} is ${s.evidence[shift.region] ?? "unknown"}, not healthy: it is not given traffic`,
    };
    return stay(refusal.reason, [], refusal);
  }
  return shift.kind === "enable"
    ? stay(`enabling ${shift.region}`, [
        { kind: "set-enabled", region: shift.region, enabled: true },
      ])
    : stay(`promoting ${shift.region}`, [{ kind: "promote", region: shift.region }]);
}

/**
 * Completes the incident once the lever shows the new routing and the global entry point answers
 * on it, allowing for a lever that propagates to its edge and for clients' DNS caches.
 */
export function verifying(c: StepContext): RunbookResult {
  const { group, incident, s, policy, sinceStep, stay, timedOut, failed } = c;
  if (s.routing?.propagating) {
    if (timedOut(policy.propagationTimeoutMs))
      return failed(
        `the lever did not deploy the change within ${Math.round(policy.propagationTimeoutMs / 1000)} s`,
      );
    return stay(PROPAGATING);
  }
  // A lever whose data plane lags with no signal in its API (Front Door: deploymentStatus
  // says NotStarted throughout) is verified on the data plane alone: the global entry point
  // gets the propagation timeout to follow, whatever the lever's status fields say.
  const lag = s.lever?.dataPlaneLag === true;
  const propagated = incident.history.some((h) => h.step === "verifying" && h.note === PROPAGATING);
  // Clients follow a DNS lever only once resolvers' cached answers expire: a TTL longer than
  // the step timeout must not fail a failover whose traffic is still on its way. Capped at the
  // propagation timeout (a TTL of a day must not hold an incident open for a day); and a tick
  // whose lever read failed, knowing neither the routing nor its TTL, allows the cap.
  const clientLag = Math.min(
    s.routing ? (s.routing.clientLagMs ?? 0) : policy.propagationTimeoutMs,
    policy.propagationTimeoutMs,
  );
  const verifyLimit =
    (propagated || lag
      ? policy.propagationTimeoutMs + policy.stepTimeoutMs
      : policy.stepTimeoutMs) + clientLag;
  // With a lag, only the entry point's probes are evidence: no current view of them is none.
  const entryOk = lag && group.entryPoint ? s.entryHealthy === true : s.entryHealthy !== false;
  if (s.routing && shifted(s.routing, incident.shift) && entryOk)
    return afterTraffic(
      c,
      s.entryHealthy
        ? lag
          ? `the global entry point answers on the new routing, ${Math.round(sinceStep / 1000)} s after the lever took the change (its API gives no sign of the edge's propagation; the entry point's probes are the evidence)`
          : "the global entry point answers on the new routing"
        : lag
          ? "the lever shows the new routing; no global entry point is configured to see its edge follow"
          : "the lever shows the new routing",
    );
  if (timedOut(verifyLimit))
    return failed(
      lag
        ? `traffic did not follow through the global entry point within ${Math.round(verifyLimit / 1000)} s (propagationTimeoutSeconds and stepTimeoutSeconds)`
        : !s.routing
          ? `traffic did not follow through the global entry point within ${Math.round(verifyLimit / 1000)} s, and the lever could not be read`
          : clientLag > 0
            ? `traffic did not follow through the global entry point within ${Math.round(verifyLimit / 1000)} s (stepTimeoutSeconds and the lever's DNS TTL of ${Math.round(clientLag / 1000)} s)`
            : "traffic did not follow through the global entry point",
    );
  return stay(
    lag && s.routing && shifted(s.routing, incident.shift)
      ? EDGE_WAIT
      : "waiting for the global entry point to follow",
  );
}
