// The deployable package: the Function App as one bundle with its production dependencies (lever
// SDKs in chunks of their own, loaded only when a lever of their kind is configured), host.json,
// a production package.json and the configuration; nothing from the sandbox, tests, tooling or
// dev dependencies. The bundle is built once (a few seconds) and started here under a stand-in
// for the Functions host, from the staged files alone: no node_modules.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { before, describe, it } from "node:test";
import { inflateRawSync } from "node:zlib";
import { parseConfig } from "../../src/config/index.js";
import type { Bundle } from "../../scripts/bundle.js";
import { loadedWith, packageOf } from "../../scripts/bundle.js";
import {
  ENTRY,
  bundleProblems,
  packageManifest,
  productionPackageJson,
} from "../../scripts/package-files.js";
import type { PackageResult } from "../../scripts/package.js";
import { buildPackage } from "../../scripts/package.js";
import { API_ROUTES } from "../../src/app/api/routes.js";
import { unzipNames, zip } from "../../scripts/zip.js";
import { installStandInHost } from "../helpers/functions-host.js";
import { ingestionReceiver, ofType, props } from "../helpers/ingestion.js";
import { waitFor } from "../helpers/wait.js";
import type { appInsightsTelemetry } from "../../src/adapters/telemetry/appinsights.js";
import { ROOT } from "../helpers/paths.js";
import { read } from "./bicep-text.js";
import { ENDPOINTS, FD_GROUP, FD_PROFILE, RG, startArm } from "../helpers/arm.js";
import type { FrontDoorRouter } from "../../src/providers/front-door/router.js";
import { primaryOf } from "../../src/core/levers.js";
import type { SqlService } from "../../src/providers/sql-failover-group/emulator.js";
import type { SqlFailoverGroupControl } from "../../src/providers/sql-failover-group/failover-group.js";

const CONFIG = join(ROOT, "examples/active-passive.tandem.config.json");
/** Issue 31's bound on the package; measured at 592,042 bytes with the SQL lever (bench/RESULTS.md). */
const MAX_ZIP_BYTES = 600_000;
const LEVER_SDKS = [
  "@azure/arm-trafficmanager",
  "@azure/arm-cdn",
  "@azure/arm-containerservice",
  "@azure/arm-sql",
];

let result: PackageResult;
let bundle: Bundle;
const receiver = ingestionReceiver();

before(async () => {
  result = await buildPackage({
    config: CONFIG,
    outDir: await mkdtemp(join(tmpdir(), "tandem-package-")),
  });
  bundle = result.bundle;
});

/** The bundle with one more output, made of `input`: what the package check would see. */
function withInput(input: string): Bundle {
  return {
    ...bundle,
    outputs: [...bundle.outputs, { ...bundle.outputs[0]!, path: "x.js", inputs: [input] }],
  };
}

describe("the Function App package", () => {
  it("holds the bundle, the host's files and the configuration, and no node_modules", () => {
    const names = unzipNames(readFileSync(result.zipPath));
    for (const f of [ENTRY, "host.json", "package.json", "tandem.config.json"])
      assert.ok(names.includes(f), `${f} is not in the package`);
    assert.ok(!names.some((n) => n.startsWith("node_modules/")), "node_modules is in the package");
    assert.deepEqual(names.filter((n) => !/^dist\/functions\/[\w-]+\.js$/.test(n)).sort(), [
      "host.json",
      "package.json",
      "tandem.config.json",
    ]);
  });

  it("bundles nothing from tests, tooling, the sandbox, emulators or dev dependencies", () => {
    assert.deepEqual(bundleProblems(bundle), []);
    const inputs = bundle.outputs.flatMap((o) => o.inputs);
    for (const input of inputs) {
      assert.doesNotMatch(
        input,
        /^dist\/(test|bench|scripts)\/|^dist\/src\/(sandbox|cli|deploy)\//,
      );
      assert.doesNotMatch(input, /emulator\.js$/);
    }
    // Dev-only by package-lock.json (a dev dependency that production packages also need, like
    // @azure/core-client, is a production package); the check sees one when it is bundled.
    assert.match(
      bundleProblems(withInput("node_modules/fast-check/lib/fast-check.js")).join("\n"),
      /fast-check.*only dev dependencies/,
    );
  });

  it("loads no lever SDK, identity or state store SDK with its entry point: each is a chunk loaded by a dynamic import", () => {
    const atStart = new Set(
      loadedWith(bundle).flatMap((o) => o.inputs.flatMap((i) => packageOf(i) ?? [])),
    );
    for (const sdk of [...LEVER_SDKS, "@azure/identity", "@azure/data-tables"]) {
      assert.ok(!atStart.has(sdk), `${sdk} loads with the entry point`);
      assert.ok(
        bundle.outputs.some((o) => o.inputs.some((i) => packageOf(i) === sdk)),
        `${sdk} is not in the bundle`,
      );
    }
    // Front Door's SDK is in no chunk that Traffic Manager's or AKS's lever loads.
    const cdn = bundle.outputs.filter((o) =>
      o.inputs.some((i) => packageOf(i) === "@azure/arm-cdn"),
    );
    for (const other of ["@azure/arm-trafficmanager", "@azure/arm-containerservice"]) {
      const lever = bundle.outputs.find((o) => o.inputs.some((i) => packageOf(i) === other))!;
      const withIt = loadedWith(bundle, lever.path).map((o) => o.path);
      for (const c of cdn) assert.ok(!withIt.includes(c.path), `${other} loads ${c.path}`);
    }
  });

  it("holds the lever SDKs' operation groups Tandem calls, and none of the others", () => {
    const inputs = bundle.outputs.flatMap((o) => o.inputs);
    const has = (path: RegExp) => inputs.some((i) => path.test(i));
    assert.ok(has(/arm-cdn\/dist-esm\/src\/operations\/afdOrigins\.js$/));
    assert.ok(!has(/arm-cdn\/dist-esm\/src\/operations\/(profiles|afdEndpoints|rules)\.js$/));
    assert.ok(
      !has(/arm-cdn\/dist-esm\/src\/models\/(mappers|parameters)\.js$/),
      "only arm-cdn's stand-ins",
    );
    for (const group of ["managedClusters", "agentPools"])
      assert.ok(has(new RegExp(`arm-containerservice/dist/esm/classic/${group}/index\\.js$`)));
    assert.ok(!has(/arm-containerservice\/dist\/esm\/classic\/(snapshots|machines)\//));
    assert.ok(has(/arm-sql\/dist-esm\/src\/operations\/failoverGroups\.js$/));
    assert.ok(
      !has(/arm-sql\/dist-esm\/src\/operations\/(databases|servers|replicationLinks)\.js$/),
    );
    assert.ok(
      !has(/arm-sql\/dist-esm\/src\/models\/(mappers|parameters)\.js$/),
      "only their stand-ins",
    );
  });

  it("its SQL failover group lever, from the staged files alone, reads and fails over through the ARM emulator", async () => {
    const chunk = bundle.outputs.find((o) =>
      o.inputs.includes("dist/src/providers/sql-failover-group/failover-group.js"),
    );
    assert.ok(chunk, "the lever is in the bundle");
    const staged = (await import(pathToFileURL(join(result.stage, chunk.path)).href)) as {
      SqlFailoverGroupControl: typeof SqlFailoverGroupControl;
    };
    const arm = await startArm();
    try {
      const sql = arm.emulator.service<SqlService>("sql-failover-group");
      const [neu, weu] = ["sql-neu", "sql-weu"].map(
        (s) => `${RG}/providers/Microsoft.Sql/servers/${s}`,
      );
      sql.addFailoverGroup({
        name: "fog",
        primary: { id: neu!, location: "North Europe" },
        secondary: { id: weu!, location: "West Europe" },
      });
      const servers = new Map([
        ["northeurope", neu!],
        ["westeurope", weu!],
      ]);
      const lever = new staged.SqlFailoverGroupControl(arm.conn, [
        { group: "g", store: "orders", failoverGroup: "fog", servers, allowDataLoss: false },
      ]);
      assert.equal((await lever.read("g", "orders")).regions["westeurope"]?.caughtUp, true);
      await lever.failover("g", "orders", "westeurope", "planned");
      assert.equal((await lever.read("g", "orders")).primary, "westeurope");
    } finally {
      await arm.stop();
    }
  });

  it("its Front Door lever, from the staged files alone (the SDK's models cut to afdOrigins'), reads and promotes through the ARM emulator", async () => {
    const chunk = bundle.outputs.find((o) =>
      o.inputs.includes("dist/src/providers/front-door/router.js"),
    );
    assert.ok(chunk, "the lever is in the bundle");
    const staged = (await import(pathToFileURL(join(result.stage, chunk.path)).href)) as {
      FrontDoorRouter: typeof FrontDoorRouter;
    };
    const arm = await startArm({ operationMs: 20 });
    try {
      const router = new staged.FrontDoorRouter(arm.conn, [
        { name: "catalog", profileId: FD_PROFILE, originGroup: FD_GROUP, origins: ENDPOINTS },
      ]);
      assert.equal(primaryOf(await router.read("catalog")), "westeurope");
      await router.promote("catalog", "northeurope");
      assert.equal(primaryOf(await router.read("catalog")), "northeurope");
    } finally {
      await arm.stop();
    }
  });

  it("is at most 600,000 bytes zipped (issue 31: 0.6 MB, decimal)", () => {
    assert.equal(result.zipBytes, readFileSync(result.zipPath).length);
    assert.ok(result.zipBytes <= MAX_ZIP_BYTES, `the package is ${result.zipBytes} bytes zipped`);
  });

  it("holds no gRPC, Prometheus, OTLP or OpenTelemetry Node SDK code (applicationinsights requires them; Tandem never uses them)", () => {
    const packages = new Set(
      bundle.outputs.flatMap((o) => o.inputs.flatMap((i) => packageOf(i) ?? [])),
    );
    for (const name of packages)
      assert.doesNotMatch(
        name,
        /^(@grpc\/|protobufjs$|@opentelemetry\/(exporter-|otlp-|sdk-node$))/,
        `${name} is bundled`,
      );
    // Marks of that code in the staged files themselves (each was there before issue 31).
    const dir = join(result.stage, "dist/functions");
    for (const file of readdirSync(dir))
      assert.doesNotMatch(
        readFileSync(join(dir, file), "utf8"),
        /PrometheusExporter|PrometheusSerializer|grpc-node-js|grpc\.max_receive_message_length|NodeSDK/,
        file,
      );
    // The package check refuses a bundle that holds one.
    assert.match(
      bundleProblems(withInput("node_modules/@grpc/grpc-js/build/src/index.js")).join("\n"),
      /@grpc\/grpc-js is bundled: Tandem never uses it/,
    );
  });

  it("its telemetry adapter, from the staged files alone, sends availability, events, metrics and dependencies to a loopback ingestion endpoint", async () => {
    const chunk = bundle.outputs.find((o) =>
      o.inputs.includes("dist/src/adapters/telemetry/appinsights.js"),
    );
    assert.ok(chunk, "the adapter is in the bundle");
    const staged = (await import(pathToFileURL(join(result.stage, chunk.path)).href)) as {
      appInsightsTelemetry: typeof appInsightsTelemetry;
    };
    const warnings: string[] = [];
    const telemetry = await staged.appInsightsTelemetry({
      connectionString: receiver.connectionString,
      ca: receiver.ca,
      roleName: "tandem",
      roleInstance: "westeurope#bundled",
      log: {
        info: () => {},
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
      },
    });
    assert.deepEqual(warnings, [], "no warning: the settings poller is left out, not left running");
    const before = receiver.envelopes.length;
    telemetry.availability({
      name: "shop/westeurope",
      runLocation: "westeurope",
      success: true,
      durationMs: 12,
      message: "",
      properties: { from: "bundle" },
    });
    telemetry.event("tandem.bundled", { from: "bundle" });
    telemetry.metric("tandem.bundled", 1, { from: "bundle" });
    telemetry.dependency({
      kind: "state-store",
      name: "recordTick",
      target: "tandem",
      resultCode: "204",
      success: true,
      durationMs: 3,
      startedAt: Date.now(),
    });
    assert.ok(await telemetry.flush(10_000), "the flush completes");
    const sent = await waitFor("the bundled adapter's records", () => {
      const got = receiver.envelopes.slice(before);
      const types = ["AvailabilityData", "EventData", "MetricData", "RemoteDependencyData"];
      return types.every((t) => ofType(got, t).length > 0) ? got : undefined;
    });
    assert.equal(props(ofType(sent, "AvailabilityData")[0]!)["from"], "bundle");
    await telemetry.close(2000);
  });

  it("starts from the staged files alone: imports and registers every function with the host", () => {
    installStandInHost(result.stage);
    const lazy = bundle.outputs.filter((o) => o.path !== ENTRY).map((o) => o.path);
    const script = `
      import { createRequire } from "node:module";
      await import("./${ENTRY}");
      const { registered } = createRequire(import.meta.url)("./node_modules/@azure/functions-core");
      for (const f of ${JSON.stringify(lazy)}) await import("./" + f);
      console.log(JSON.stringify(registered));`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: result.stage,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "" },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      (JSON.parse(run.stdout.trim().split("\n").at(-1)!) as string[]).sort(),
      ["tick", ...API_ROUTES.map((r) => r.name)].sort(),
    );
    assert.ok(!existsSync(join(result.stage, "node_modules/@azure/functions")));
  });

  it("its package.json has no dependencies, dev dependencies or scripts", () => {
    const staged = JSON.parse(readFileSync(join(result.stage, "package.json"), "utf8")) as object;
    assert.deepEqual(staged, productionPackageJson(JSON.parse(read("package.json"))));
    for (const key of ["dependencies", "devDependencies", "scripts"])
      assert.ok(!(key in staged), key);
    assert.equal((staged as { main?: string }).main, ENTRY);
  });

  it("takes the CA files the configuration names, and refuses one outside its folder", () => {
    const raw = JSON.parse(read("examples/active-passive.tandem.config.json"));
    raw.groups[0].regions[0].probe.caFile = "package.json";
    const inside = packageManifest(ROOT, join(ROOT, "tandem.config.json"), parseConfig(raw));
    assert.deepEqual(inside.problems, []);
    assert.ok(
      inside.files.some((f) => f.to === "package.json" && f.from === join(ROOT, "package.json")),
    );
    raw.groups[0].regions[0].probe.caFile = "../elsewhere/ca.pem";
    const outside = packageManifest(ROOT, CONFIG, parseConfig(raw));
    assert.match(outside.problems.join("\n"), /outside the configuration's folder/);
  });

  it("zips what it stages, readable back", () => {
    const entries = [
      { name: "host.json", data: Buffer.from(read("host.json")) },
      { name: "dist/a.js", data: Buffer.from("export const a = 1;\n".repeat(50)) },
    ];
    const archive = zip(entries);
    assert.deepEqual(unzipNames(archive), ["dist/a.js", "host.json"]);
    // The first local entry (sorted: dist/a.js) inflates back to its bytes.
    const nameLength = archive.readUInt16LE(26);
    const size = archive.readUInt32LE(18);
    const body = archive.subarray(30 + nameLength, 30 + nameLength + size);
    assert.equal(inflateRawSync(body).toString(), entries[1]!.data.toString());
  });
});
