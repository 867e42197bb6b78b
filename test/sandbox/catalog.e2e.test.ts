// The passive-cold group of the sandbox end to end: the real Azure SDK clients drive the ARM
// emulator over HTTPS. Losing westeurope wakes the stopped northeurope AKS cluster, scales it,
// waits until it serves, moves the Front Door origin priority, waits for the edge to follow, and
// the catalog's entry point then serves from northeurope.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { SANDBOX_RESOURCES, startSandbox } from "../../src/sandbox/sandbox.js";
import { FAST_SANDBOX } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

describe("sandbox: passive-cold catalog behind Front Door", () => {
  let sandbox: Sandbox;
  const R = SANDBOX_RESOURCES;

  before(async () => {
    sandbox = await startSandbox({
      ...FAST_SANDBOX,
      clusterStartSeconds: 2,
      propagationSeconds: 4,
    });
  });
  after(async () => sandbox.stop());

  const catalog = async () => {
    const body = (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
    return body.groups.find((g: any) => g.name === "catalog");
  };

  it("starts with northeurope's cluster stopped and the entry point on westeurope", async () => {
    assert.equal(sandbox.services.aks.power(R.catalogCluster("northeurope")).power, "Stopped");
    const served = await fetch(sandbox.catalogEntryPoint.healthUrl);
    assert.equal(served.headers.get("x-served-by"), "westeurope");
  });

  it("wakes northeurope and moves traffic to it when westeurope is lost", async () => {
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });
    const done = await waitFor(
      "the catalog failover to complete",
      async () => {
        const incident = (await catalog()).incident;
        if (incident?.step === "failed") throw new Error(JSON.stringify(incident.history));
        return incident?.kind === "failover" && incident.step === "completed"
          ? incident
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const steps = done.history.map((h: any) => h.step);
    // (Pre-warming at "suspect" may or may not show: with these thresholds "down" follows at once.)
    for (const step of ["waking", "waiting-ready", "shifting-traffic", "verifying"])
      assert.ok(steps.includes(step), `${step} in ${steps.join(", ")}`);
    // Verification was on the data plane: the incident completed once the catalog's entry point
    // answered on the new routing (Front Door's API gives no sign of the edge). Here Front Door's
    // own origin health probes already send traffic away from the lost westeurope, so the entry
    // point may answer before the edge has deployed the new priorities; the edge follows them
    // within the propagation time all the same.
    const completed = done.history.find((h: any) => h.step === "completed");
    assert.match(completed.note, /global entry point answers on the new routing/);
    const deployed = () =>
      sandbox.services.frontDoor
        .origins(R.catalogProfile, R.catalogOriginGroup)
        .map((o) => `${o.name}:${o.deployed.priority}`)
        .sort()
        .join(" ");
    await waitFor(
      "the edge to follow the change",
      () => (deployed() === "catalog-neu:1 catalog-weu:2" ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100, seen: deployed },
    );
    const cluster = sandbox.services.aks.power(R.catalogCluster("northeurope"));
    assert.deepEqual(
      [cluster.power, cluster.provisioning, cluster.pools["user"]],
      ["Running", "Succeeded", 3],
    );
    const served = await fetch(sandbox.catalogEntryPoint.healthUrl);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("x-served-by"), "northeurope");
    assert.equal((await catalog()).routing.primary, "northeurope");
  });

  it("tells each alert receiver of the failover, once, and lists what they got", async () => {
    const wanted = [
      "catalog: westeurope is down",
      "catalog: failover from westeurope to northeurope detected",
      /^catalog: failover from westeurope to northeurope completed in/,
    ];
    const got = await waitFor(
      "every receiver to get the catalog's alerts",
      async () => {
        const body = (await (await fetch(`${sandbox.url}/sandbox/alerts`)).json()) as any;
        const all = ["teams", "slack", "webhook"].every((kind) =>
          wanted.every((w) =>
            body[kind].alerts.some((a: any) =>
              typeof w === "string" ? a.title === w : w.test(a.title),
            ),
          ),
        );
        return all ? body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    for (const kind of ["teams", "slack", "pagerduty", "webhook"]) {
      const titles = got[kind].alerts.map((a: any) => a.title) as string[];
      assert.equal(
        new Set(titles).size,
        titles.length,
        `${kind} got an alert twice: ${titles.join(" | ")}`,
      );
    }
    assert.ok(
      sandbox.alerts.received.filter((r) => r.kind === "webhook").every((r) => r.verified),
      "every webhook verified",
    );
    assert.ok(
      got.pagerduty.alerts.some((a: any) => a.title === "catalog: westeurope is down"),
      "PagerDuty was triggered",
    );
  });

  it("the standby's cold start is not told as an outage, but once it takes the traffic, its outage is", async () => {
    const alertTitles = async () => {
      const body = (await (await fetch(`${sandbox.url}/sandbox/alerts`)).json()) as any;
      return (body.webhook.alerts as any[]).map((a) => a.title as string);
    };
    await waitFor("northeurope healthy, serving the catalog", async () => {
      const north = (await catalog()).regions.find((r: any) => r.name === "northeurope");
      return north.verdict === "healthy" && north.traffic === "primary" ? true : undefined;
    });
    await fetch(`${sandbox.url}/sandbox/regions/northeurope/down`, { method: "POST" });
    await waitFor("the catalog's northeurope outage told", async () =>
      (await alertTitles()).includes("catalog: northeurope is down") ? true : undefined,
    );
    // A channel gets alerts in the order they were written: a told cold start or recovery
    // would be before this one.
    assert.deepEqual(
      (await alertTitles()).filter((t) => t.startsWith("catalog: northeurope")),
      ["catalog: northeurope is down"],
    );
  });

  it("answers the ARM fault API, and heal clears the faults", async () => {
    const response = await fetch(`${sandbox.url}/sandbox/arm/throttle`, { method: "POST" });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as any).arm.faults[0].status, 429);
    const unknown = await fetch(`${sandbox.url}/sandbox/arm/meteor`, { method: "POST" });
    assert.equal(unknown.status, 404);
    const healed = (await (
      await fetch(`${sandbox.url}/sandbox/heal`, { method: "POST" })
    ).json()) as any;
    assert.deepEqual(healed.arm.faults, []);
  });
});
