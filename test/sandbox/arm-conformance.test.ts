// The ARM emulator and the Azure adapters held to Azure's published REST specs (test/specs/):
// every request the adapters send validates against its operation's request schema, every
// reply of the emulator against the response schema for its status with the headers the spec
// names, and each official example, replayed against the emulator, gets a reply of the
// example's status and shape. A failure names the spec file, the operation and the member.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { AksClusterControl } from "../../src/providers/aks/clusters.js";
import type { SqlService } from "../../src/providers/sql-failover-group/emulator.js";
import type { ArmFixture } from "../helpers/arm.js";
import {
  AKS_NEU,
  AKS_WEU,
  FD_GROUP,
  FD_PROFILE,
  RG,
  TM_PROFILE,
  armRequest as send,
  startArm,
} from "../helpers/arm.js";
import { ROOT } from "../helpers/paths.js";
import { SpecCheck } from "../helpers/spec-check.js";
import { waitFor } from "../helpers/wait.js";
import { armLevers } from "../helpers/arm-levers.js";

let specs: SpecCheck;
before(async () => {
  specs = await SpecCheck.load();
});

/** Every exchange the emulator recorded, checked; ARM's operation polls are not in the specs. */
function problemsOf(arm: ArmFixture): string[] {
  const problems = new Set<string>();
  for (const r of arm.emulator.requests) {
    if (SpecCheck.isArmProtocol(r.path) || r.status === 0) continue;
    if (r.status < 400) for (const p of specs.request(r)) problems.add(p);
    for (const p of specs.reply(r)) problems.add(p);
  }
  return [...problems];
}

describe("the Azure adapters and the ARM emulator against the published specs", () => {
  let arm: ArmFixture;
  before(async () => {
    // Quick operations; a start right after a stop is refused (AKS's wait between the two).
    const stopToStartMs = 60_000;
    arm = await startArm({ clusterStartMs: 30, clusterStopMs: 30, operationMs: 20, stopToStartMs });
  });
  after(() => arm.stop());

  it("every request of every lever operation and every reply validate, errors and 429 included", async () => {
    const { tm, fd, aks } = armLevers(arm);
    await tm.read("shop");
    await tm.monitorStatus("shop");
    await tm.promote("shop", "northeurope");
    await tm.setEnabled("shop", "westeurope", false);
    await tm.setEnabled("shop", "westeurope", true);
    await fd.read("catalog");
    await fd.promote("catalog", "northeurope");
    await fd.setEnabled("catalog", "westeurope", false);
    await fd.read("catalog");
    await aks.read("catalog", "northeurope");
    await aks.start("catalog", "northeurope");
    await waitFor("the cluster runs", () => (arm.aks.serves(AKS_NEU) ? true : undefined), {
      intervalMs: 10,
    });
    await aks.scale("catalog", "northeurope", [{ name: "user", count: 4 }]);
    await aks.stop("catalog", "westeurope");
    // Errors as the services word them: a 409, a 412, a 404, a 429.
    await waitFor("the cluster stops", () =>
      arm.aks.power(AKS_WEU).power === "Stopped" ? true : undefined,
    );
    await assert.rejects(aks.start("catalog", "westeurope"), /AKS asks for 15 to 30 minutes/);
    const pool = await send(arm, "GET", `${AKS_NEU}/agentPools/user`, "2026-04-01");
    const stale = await send(arm, "PUT", `${AKS_NEU}/agentPools/user`, "2026-04-01", pool.body, {
      "if-match": "stale",
    });
    assert.equal(stale.status, 412);
    arm.emulator.faults.push({ status: 429, retryAfterSeconds: 0, times: 1, method: "GET" });
    await tm.read("shop");
    const missing = new AksClusterControl(arm.conn, [
      {
        group: "g",
        region: "r",
        resourceId: `${RG}/providers/Microsoft.ContainerService/managedClusters/nope`,
      },
    ]);
    await assert.rejects(missing.read("g", "r"));

    const statuses = new Set(arm.emulator.requests.map((r) => r.status));
    for (const s of [200, 202, 404, 409, 412, 429])
      assert.ok(statuses.has(s), `a ${s} was exercised`);
    assert.deepEqual(problemsOf(arm), []);
  });
});

// ---- the official examples, replayed ----

interface Example {
  readonly parameters: Record<string, unknown>;
  readonly responses: Record<string, { body?: unknown; headers?: Record<string, string> }>;
}

const example = (file: string): Example =>
  JSON.parse(readFileSync(resolve(ROOT, "test/specs", file), "utf8")) as Example;

/** The resource each service's examples are about: its type and the parameter naming it. */
const EXAMPLE_RESOURCE: Record<string, [type: string, name: string]> = {
  "traffic-manager": ["Microsoft.Network/trafficManagerProfiles", "profileName"],
  "front-door": ["Microsoft.Cdn/profiles", "profileName"],
  aks: ["Microsoft.ContainerService/managedClusters", "resourceName"],
  sql: ["Microsoft.Sql/servers", "serverName"],
};

/** An official example, its parameters, and the path of the resource it is about. */
function exampleOf(file: string) {
  const ex = example(file);
  const p = ex.parameters as Record<string, string>;
  const [type, name] = EXAMPLE_RESOURCE[file.split("/")[0]!]!;
  const rg = `/subscriptions/${p["subscriptionId"]}/resourceGroups/${p["resourceGroupName"]}`;
  return { ex, p, resource: `${rg}/providers/${type}/${p[name]}` };
}

type Shape = string | { [key: string]: Shape } | Shape[];

/** A value's shape: the JSON type of every member that is not null, at every depth. */
function shapeOf(value: unknown): Shape {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  return typeof value;
}

/**
 * Where the reply's shape differs from the example's: a member of the example missing from the
 * reply, or of another type. `notModelled` lists the example's members the emulator does not
 * serve (Tandem neither reads nor sends them), by dotted path.
 */
function shapeDiff(
  example: Shape,
  reply: Shape,
  notModelled: readonly string[],
  at = "",
): string[] {
  if (typeof example === "string" || typeof reply === "string")
    return JSON.stringify(example) === JSON.stringify(reply) || typeof example !== "string"
      ? typeof example === typeof reply
        ? []
        : [
            `${at || "(body)"}: ${JSON.stringify(reply)} where the example has ${JSON.stringify(example)}`,
          ]
      : [`${at || "(body)"}: ${JSON.stringify(reply)} where the example has ${example}`];
  if (Array.isArray(example) || Array.isArray(reply)) {
    if (!Array.isArray(example) || !Array.isArray(reply))
      return [`${at}: an array in one and not the other`];
    return example[0] === undefined || reply[0] === undefined
      ? []
      : shapeDiff(example[0], reply[0], notModelled, `${at}[]`);
  }
  const out: string[] = [];
  for (const [key, shape] of Object.entries(example)) {
    const path = at ? `${at}.${key}` : key;
    if (notModelled.includes(path)) continue;
    const mine = reply[key];
    if (mine === undefined) out.push(`${path}: missing (the example has it)`);
    else out.push(...shapeDiff(shape, mine, notModelled, path));
  }
  return out;
}

/** Where a reply's body differs in shape from the body of the example's reply of `status`. */
const unlike = (ex: Example, status: string, reply: { body: unknown }, notModelled: string[]) =>
  shapeDiff(shapeOf(ex.responses[status]!.body), shapeOf(reply.body), notModelled);

describe("the official examples replayed against the ARM emulator", () => {
  let arm: ArmFixture;
  before(async () => {
    arm = await startArm({ operationMs: 20 });
  });
  after(() => arm.stop());

  it("Traffic Manager Endpoint-PATCH-External-Target: 200, the endpoint as the example shows it", async () => {
    const file = "traffic-manager/examples/Endpoint-PATCH-External-Target.json";
    const { ex, p, resource: profile } = exampleOf(file);
    arm.tm.addProfile(profile, [
      { name: p["endpointName"]!, target: "foobar.contoso.com", priority: 1 },
    ]);
    const reply = await send(
      arm,
      "PATCH",
      `${profile}/${p["endpointType"]}/${p["endpointName"]}`,
      p["api-version"]!,
      ex.parameters["parameters"],
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(unlike(ex, "200", reply, ["properties.endpointLocation"]), []);
    const props = (reply.body as { properties: Record<string, unknown> }).properties;
    assert.equal(props["target"], "another.foobar.contoso.com", "the target changed");
    assert.equal(
      props["endpointMonitorStatus"],
      "CheckingEndpoint",
      "as in the example: not probed yet",
    );
  });

  it("Traffic Manager Profile-GET-WithTrafficViewDisabled: 200, the profile as the example shows it", async () => {
    const file = "traffic-manager/examples/Profile-GET-WithTrafficViewDisabled.json";
    const { ex, p, resource: profile } = exampleOf(file);
    arm.tm.addProfile(profile, [
      { name: "My external endpoint", target: "foobar.contoso.com", priority: 1 },
    ]);
    const reply = await send(arm, "GET", profile, p["api-version"]!);
    assert.equal(reply.status, 200);
    assert.deepEqual(
      unlike(ex, "200", reply, ["properties.endpoints[].properties.endpointLocation"]),
      [],
    );
  });

  it("Front Door AFDOrigins_Update: 202 then 200, deploymentStatus NotStarted on both", async () => {
    const { ex, p, resource: profile } = exampleOf("front-door/examples/AFDOrigins_Update.json");
    arm.fd.addOriginGroup(profile, p["originGroupName"]!, [
      { name: p["originName"]!, hostName: "host1.blob.core.windows.net", priority: 1 },
    ]);
    const origin = `${profile}/originGroups/${p["originGroupName"]}/origins/${p["originName"]}`;
    const accepted = await send(
      arm,
      "PATCH",
      origin,
      p["api-version"]!,
      ex.parameters["originUpdateProperties"],
    );
    assert.equal(accepted.status, 202);
    const notModelled = ["properties.originHostHeader"];
    assert.deepEqual(unlike(ex, "202", accepted, notModelled), []);
    await waitFor(
      "the update finishes",
      () =>
        arm.fd.origins(profile, p["originGroupName"]!)[0]?.provisioning === "Succeeded"
          ? true
          : undefined,
      { intervalMs: 10 },
    );
    const done = await send(arm, "GET", origin, p["api-version"]!);
    assert.equal(done.status, 200);
    assert.deepEqual(unlike(ex, "200", done, notModelled), []);
    for (const [reply, name] of [
      [accepted, "202"],
      [done, "200"],
    ] as const) {
      const props = (reply.body as { properties: Record<string, unknown> }).properties;
      assert.equal(
        props["deploymentStatus"],
        "NotStarted",
        `the ${name} says NotStarted, as the example`,
      );
    }
  });

  it("Front Door AFDOrigins_ListByOriginGroup: 200, the origins as the example shows them", async () => {
    const file = "front-door/examples/AFDOrigins_ListByOriginGroup.json";
    const { ex, p, resource: profile } = exampleOf(file);
    arm.fd.addOriginGroup(profile, `${p["originGroupName"]}`, [
      { name: "origin1", hostName: "host1.blob.core.windows.net", priority: 1 },
    ]);
    const reply = await send(
      arm,
      "GET",
      `${profile}/originGroups/${p["originGroupName"]}/origins`,
      p["api-version"]!,
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(unlike(ex, "200", reply, ["value[].properties.originHostHeader"]), []);
  });

  it("AKS ManagedClustersGet: 200, the cluster as the example shows it (the members Tandem reads)", async () => {
    const { ex, p, resource: cluster } = exampleOf("aks/examples/ManagedClustersGet.json");
    arm.aks.addCluster({
      id: cluster,
      location: "location1",
      running: true,
      pools: [{ name: "nodepool1", count: 3, mode: "System" }],
    });
    const reply = await send(arm, "GET", cluster, p["api-version"]!);
    assert.equal(reply.status, 200);
    // The cluster's configuration Tandem never reads or writes is not served by the emulator.
    const notModelled = [
      "tags",
      "properties.agentPoolProfiles[].availabilityZones",
      "properties.agentPoolProfiles[].nodeImageVersion",
      "properties.agentPoolProfiles[].upgradeSettings",
      "properties.azurePortalFQDN",
      "properties.diskEncryptionSetID",
      "properties.enableRBAC",
      "properties.linuxProfile",
      "properties.maxAgentPools",
      "properties.networkProfile",
      "properties.nodeResourceGroup",
      "properties.servicePrincipalProfile",
      "properties.upgradeSettings",
    ];
    assert.deepEqual(unlike(ex, "200", reply, notModelled), []);
  });

  it("SQL FailoverGroupGet and FailoverGroupForceFailoverAllowDataLoss: the failover group as the examples show it, the forced failover accepted on the secondary", async () => {
    const get = exampleOf("sql/examples/FailoverGroupGet.json");
    const force = exampleOf("sql/examples/FailoverGroupForceFailoverAllowDataLoss.json");
    const sql = arm.emulator.service<SqlService>("sql-failover-group");
    for (const { p } of [get, force])
      sql.addFailoverGroup({
        name: p["failoverGroupName"]!,
        primary: { id: get.resource, location: "Japan East" },
        secondary: { id: force.resource, location: "Japan West" },
      });
    const path = `${get.resource}/failoverGroups/${get.p["failoverGroupName"]}`;
    const reply = await send(arm, "GET", path, get.p["api-version"]!);
    assert.equal(reply.status, 200);
    // The grace period goes with the Automatic policy; the emulator's groups are Manual.
    const grace = ["properties.readWriteEndpoint.failoverWithDataLossGracePeriodMinutes"];
    assert.deepEqual(unlike(get.ex, "200", reply, grace), []);
    const forced = await send(
      arm,
      "POST",
      `${force.resource}/failoverGroups/${force.p["failoverGroupName"]}/forceFailoverAllowDataLoss`,
      force.p["api-version"]!,
    );
    assert.ok(forced.status in force.ex.responses, `answered ${forced.status}`);
  });

  it("every replayed exchange also validates against the spec", () => {
    assert.deepEqual(problemsOf(arm), []);
  });
});

describe("the conformance check itself", () => {
  it("names the spec, the operation and the member of a request that does not validate", () => {
    const problems = specs.request({
      method: "PATCH",
      path: `${FD_PROFILE}/originGroups/${FD_GROUP}/origins/weu`,
      body: { properties: { priority: 7, enabledStatus: "Enabled" } },
    });
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(
      problems.join("\n"),
      /front-door\/afdx\.json AFDOrigins_Update .*\/properties\/priority must be <= 5/,
    );
    assert.match(problems.join("\n"), /\/properties .*unevaluated properties 'enabledStatus'/);
  });

  it("names the member and the header of a reply that does not validate", () => {
    const problems = specs.reply({
      method: "POST",
      path: `${AKS_NEU}/start`,
      body: undefined,
      status: 202,
      reply: { headers: { location: "https://127.0.0.1/x" }, body: undefined },
    });
    assert.deepEqual(problems, [
      "aks/managedClusters.json ManagedClusters_Start (POST /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{resourceName}/start) reply 202: header Retry-After missing",
    ]);
    const origin = specs.reply({
      method: "GET",
      path: `${FD_PROFILE}/originGroups/${FD_GROUP}/origins`,
      body: undefined,
      status: 200,
      reply: {
        headers: {},
        body: {
          value: [{ name: "weu", properties: { hostName: "h", deploymentStatus: "Deploying" } }],
        },
      },
    });
    assert.equal(origin.length, 1, origin.join("\n"));
    assert.match(
      origin[0]!,
      /AFDOrigins_ListByOriginGroup .* reply 200 body: \/value\/0\/properties\/deploymentStatus must be equal to one of the allowed values \["NotStarted","InProgress","Succeeded","Failed"\]/,
    );
  });

  it("a 429 without Retry-After is refused whatever the operation", () => {
    const problems = specs.reply({
      method: "GET",
      path: TM_PROFILE,
      body: undefined,
      status: 429,
      reply: { headers: {}, body: { error: { code: "TooManyRequests", message: "slow down" } } },
    });
    assert.match(problems.join("\n"), /a 429 without Retry-After/);
  });
});
