// The parameters `tandem deploy parameters` derives from a configuration: for each example, the
// committed expected file; for each way a configuration cannot be deployed, a named problem.
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runDeploy } from "../../src/cli/deploy.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { parseConfig, validateConfig } from "../../src/config/index.js";
import { timerSchedules } from "../../src/config/schedules.js";
import { deploymentParameters, parametersFile } from "../../src/deploy/parameters.js";
import type { DeployProblemCode } from "../../src/deploy/problems.js";
import { isDeployError } from "../../src/deploy/problems.js";
import { ROOT } from "../helpers/paths.js";
import { read } from "./bicep-text.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const OTHER_SUB = "11111111-1111-1111-1111-111111111111";
const example = () =>
  JSON.parse(read("examples/active-passive.tandem.config.json")) as Record<string, any>;

describe("deployment parameters", () => {
  for (const name of ["active-passive", "passive-cold"])
    it(`${name}: derived from the example, as committed in examples/deploy/`, () => {
      const file = `examples/${name}.tandem.config.json`;
      const derived = parametersFile(
        deploymentParameters(parseConfig(JSON.parse(read(file))), {}, file),
      );
      assert.deepEqual(
        derived,
        JSON.parse(read(`examples/deploy/${name}.parameters.json`)),
        `examples/deploy/${name}.parameters.json differs from what ${file} derives: review, then npm run gen`,
      );
    });

  it("takes the witness region, the state store's account and the schedules from the file", () => {
    const p = deploymentParameters(parseConfig(example()));
    assert.equal(p.witnessRegion, "swedencentral");
    assert.deepEqual(p.stateStore, { accountName: "tandemstate", table: "tandem" });
    assert.deepEqual(
      p.observers.map((o) => o.region),
      ["westeurope", "northeurope"],
    );
    assert.equal(p.observers[0]!.tickSchedule, "*/10 * * * * *");
    assert.equal(p.observers[1]!.tickSchedule, "5-59/10 * * * * *", "half an interval later");
    assert.equal(p.instanceMemoryMB, 512);
    assert.equal(p.environmentName, "${AZURE_ENV_NAME}");
  });

  const cases: {
    name: string;
    change: (c: Record<string, any>) => void;
    subscription?: string;
    problems: [DeployProblemCode, string][];
  }[] = [
    {
      name: "no deployment section",
      change: (c) => delete c["deployment"],
      problems: [["deployment-missing", "deployment"]],
    },
    {
      name: "a state store named by a connection string",
      change: (c) => (c["stateStore"] = { connection: "env:TANDEM_STORAGE" }),
      problems: [["state-store-connection", "stateStore.connection"]],
    },
    {
      name: "a Cosmos DB for Table endpoint",
      change: (c) => (c["stateStore"] = { endpoint: "https://tandem.table.cosmos.azure.com" }),
      problems: [["state-store-endpoint", "stateStore.endpoint"]],
    },
    {
      name: "an interval NCRONTAB cannot space evenly",
      change: (c) => (c["policy"] = { intervalSeconds: 7, probeTimeoutSeconds: 3 }),
      problems: [["interval-not-schedulable", "policy.intervalSeconds"]],
    },
    {
      name: "levers in two subscriptions",
      change: (c) =>
        (c["groups"][0]["regions"][1]["cluster"]["resourceId"] = c["groups"][0]["regions"][1][
          "cluster"
        ]["resourceId"].replace(SUB, OTHER_SUB)),
      problems: [["lever-subscription", "groups[0].regions[1].cluster"]],
    },
    {
      name: "levers outside the subscription azd deploys to",
      change: () => {},
      subscription: OTHER_SUB,
      problems: [
        ["lever-subscription", "groups[0].traffic"],
        ["lever-subscription", "groups[0].regions[0].cluster"],
        ["lever-subscription", "groups[0].regions[1].cluster"],
      ],
    },
    {
      name: "two settings that would share a Key Vault secret",
      change: (c) =>
        c["alerts"]["channels"].push({
          kind: "slack",
          name: "ops-slack",
          webhookUrl: "env:Teams_Webhook_Url",
        }),
      problems: [["secret-name-clash", "alerts.channels[2].webhookUrl"]],
    },
    {
      name: "a secret in a setting the deployment sets",
      change: (c) => (c["alerts"]["channels"][1]["routingKey"] = "env:AZURE_CLIENT_ID"),
      problems: [["setting-reserved", "alerts.channels[1].routingKey"]],
    },
    {
      name: "a secret in a setting the platform sets",
      change: (c) => (c["alerts"]["channels"][1]["routingKey"] = "env:WEBSITE_AUTH_KEY"),
      problems: [["setting-reserved", "alerts.channels[1].routingKey"]],
    },
    {
      name: "several problems at once",
      change: (c) => {
        delete c["deployment"];
        c["stateStore"] = { connection: "env:TANDEM_STORAGE" };
        c["policy"] = { intervalSeconds: 45, probeTimeoutSeconds: 3 };
      },
      problems: [
        ["deployment-missing", "deployment"],
        ["state-store-connection", "stateStore.connection"],
        ["interval-not-schedulable", "policy.intervalSeconds"],
      ],
    },
  ];
  for (const c of cases)
    it(`refuses ${c.name}, naming each problem`, () => {
      const raw = example();
      c.change(raw);
      const config = parseConfig(raw);
      let error: unknown;
      try {
        deploymentParameters(config, c.subscription ? { subscriptionId: c.subscription } : {});
      } catch (e) {
        error = e;
      }
      assert.ok(isDeployError(error), `expected a DeployError, got ${String(error)}`);
      assert.deepEqual(
        error.problems.map((p) => [p.code, p.path]),
        c.problems,
      );
      for (const [code] of c.problems) assert.match(error.message, new RegExp(`\\[${code}\\]`));
    });
});

describe("validate-config for deployment", () => {
  const problems = (raw: unknown) => {
    const result = validateConfig(raw);
    return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it("refuses a witness region that is an application region or an observer region", () => {
    const raw = example();
    raw["deployment"]["witnessRegion"] = "northeurope";
    const found = problems(raw);
    assert.ok(
      found.some((p) =>
        /^deployment\.witnessRegion: must not be one of the application's regions \(groups\[0\]\.regions\[1\]\.name/.test(
          p,
        ),
      ),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) =>
        /^deployment\.witnessRegion: must not be an observer region \(observers\[1\]\.region/.test(
          p,
        ),
      ),
      found.join("\n"),
    );
  });

  it("refuses a malformed resource id, naming where it is", () => {
    const raw = example();
    raw["groups"][0]["traffic"]["profileId"] =
      "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/shop";
    raw["groups"][0]["regions"][0]["cluster"]["resourceId"] =
      `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.Network/trafficManagerProfiles/aks-weu`;
    const found = problems(raw);
    assert.ok(
      found.some((p) => p.startsWith("groups[0].traffic.profileId: must be an Azure resource ID")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) =>
        p.startsWith("groups[0].regions[0].cluster.resourceId: must be an Azure resource ID"),
      ),
      found.join("\n"),
    );
  });

  it("accepts both examples", () => {
    for (const name of ["active-passive", "passive-cold"])
      assert.deepEqual(problems(JSON.parse(read(`examples/${name}.tandem.config.json`))), []);
  });
});

describe("timer schedules from policy.intervalSeconds", () => {
  const good: [number, string][] = [
    [1, "*/1 * * * * *"],
    [2, "*/2 * * * * *"],
    [5, "*/5 * * * * *"],
    [10, "*/10 * * * * *"],
    [30, "*/30 * * * * *"],
    [60, "0 */1 * * * *"],
    [120, "0 */2 * * * *"],
    [300, "0 */5 * * * *"],
  ];
  for (const [interval, tick] of good)
    it(`${interval} s: one timer, on the interval`, () => {
      assert.deepEqual(timerSchedules(interval), { ok: true, tick });
    });
  const staggered: [number, number, number, string][] = [
    [10, 1, 2, "5-59/10 * * * * *"],
    [10, 1, 3, "3-59/10 * * * * *"],
    [10, 2, 3, "6-59/10 * * * * *"],
    [2, 1, 2, "1-59/2 * * * * *"],
    [60, 2, 3, "40 */1 * * * *"],
    [120, 2, 3, "20 1-59/2 * * * *"],
    [300, 1, 2, "30 2-59/5 * * * *"],
  ];
  for (const [interval, index, count, tick] of staggered)
    it(`${interval} s, observer ${index + 1} of ${count}: ${tick}, an equal share of the interval apart`, () => {
      assert.deepEqual(timerSchedules(interval, index, count), { ok: true, tick });
    });
  it("staggered schedules fire evenly: each observer once an interval, the observers apart", () => {
    const fires = (tick: string) => {
      const [seconds, minutes] = tick.split(" ") as [string, string];
      const at: number[] = [];
      for (let t = 0; t < 3600; t++) {
        const field = (f: string, v: number, max: number) => {
          if (f === "*") return true;
          const [range, step] = f.split("/") as [string, string | undefined];
          const [from, to] =
            range === "*" ? [0, max] : (range.split("-").map(Number) as [number, number?]);
          const end = to ?? (step ? max : from);
          return v >= from && v <= end && (v - from) % Number(step ?? 1) === 0;
        };
        if (field(seconds, t % 60, 59) && field(minutes, Math.floor(t / 60) % 60, 59)) at.push(t);
      }
      return at;
    };
    for (const interval of [10, 60, 120]) {
      const all = [0, 1, 2].map((i) =>
        fires((timerSchedules(interval, i, 3) as { tick: string }).tick),
      );
      for (const at of all)
        assert.equal(at.length, 3600 / interval, `${interval} s: once an interval`);
      const merged = all.flat().sort((a, b) => a - b);
      const gaps = new Set(merged.slice(1).map((t, k) => t - merged[k]!));
      assert.ok(
        Math.max(...gaps) - Math.min(...gaps) <= 1,
        `${interval} s: gaps ${[...gaps].join(", ")}`,
      );
    }
  });
  for (const interval of [7, 45, 90, 2.5])
    it(`${interval} s: refused, since the ticks would be unevenly spaced`, () => {
      const result = timerSchedules(interval);
      assert.equal(result.ok, false);
    });
});

describe("tandem deploy parameters --out --check (the preprovision hook)", () => {
  const io = () => {
    const lines: string[] = [];
    return {
      lines,
      io: {
        out: (t: string) => lines.push(t),
        err: (t: string) => lines.push(t),
        sleep: async () => {},
        now: () => new Date(),
      },
    };
  };
  const never = () => Promise.reject(new Error("no status here"));

  it("writes a missing or stale file and fails, then passes once the file is current", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-params-"));
    const out = join(dir, "main.parameters.json");
    const args = {
      positional: ["parameters", join(ROOT, "examples/active-passive.tandem.config.json")],
      apis: [],
      out,
      check: true,
      json: false,
    };
    const first = io();
    assert.equal(await runDeploy(args, first.io, never, () => false), 1);
    assert.match(first.lines.join(""), /was missing: it is written now; run the command again/);
    assert.deepEqual(
      JSON.parse(await readFile(out, "utf8")),
      JSON.parse(read("examples/deploy/active-passive.parameters.json")),
    );
    assert.equal(await runDeploy(args, io().io, never, () => false), 0);
    await writeFile(out, "{}\n");
    const stale = io();
    assert.equal(await runDeploy(args, stale.io, never, () => false), 1);
    assert.match(stale.lines.join(""), /was out of date/);
  });

  it("exits 2 with the named problems for a configuration that cannot be deployed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-params-"));
    const file = join(dir, "tandem.config.json");
    const raw = example() as TandemConfigInput & Record<string, unknown>;
    delete raw["deployment"];
    await writeFile(file, JSON.stringify(raw));
    const run = io();
    assert.equal(
      await runDeploy(
        { positional: ["parameters", file], apis: [], check: false, json: false },
        run.io,
        never,
        () => false,
      ),
      2,
    );
    assert.match(
      run.lines.join(""),
      /cannot be deployed: 1 problem:\n {2}deployment: is required to deploy.*\[deployment-missing\]/,
    );
  });
});
