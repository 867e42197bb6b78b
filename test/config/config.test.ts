import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ConfigProblem } from "../../src/config/index.js";
import {
  ConfigError,
  effectivePolicy,
  loadConfigFile,
  missingSecrets,
  parseConfig,
  resolveSecret,
  validateConfig,
} from "../../src/config/index.js";
import { ROOT } from "../helpers/paths.js";
import { validConfig } from "../helpers/valid-config.js";

const SUB = "00000000-0000-0000-0000-000000000000";

/** A small valid configuration; each case below breaks one thing in a fresh copy. */
const valid = () => validConfig();

function problemsOf(raw: unknown): readonly ConfigProblem[] {
  const result = validateConfig(raw);
  assert.equal(result.ok, false, "expected the configuration to be refused");
  return result.ok ? [] : result.problems;
}

function expectProblem(raw: unknown, path: string, message: RegExp): void {
  const problems = problemsOf(raw);
  const found = problems.find((p) => p.path === path);
  assert.ok(found, `expected a problem at "${path}"; got ${JSON.stringify(problems)}`);
  assert.match(found.message, message);
}

describe("configuration: valid files load", () => {
  it("loads every example in examples/", async () => {
    const files = (await readdir(join(ROOT, "examples"))).filter((f) => f.endsWith(".json"));
    assert.ok(files.length >= 2, "expected example configurations");
    for (const file of files) await loadConfigFile(join(ROOT, "examples", file));
  });

  it("fills in documented defaults", () => {
    const config = parseConfig(valid());
    assert.equal(config.stateStore.table, "tandem");
    assert.equal(config.policy.intervalSeconds, 10);
    assert.equal(config.policy.failureThreshold, 3);
    assert.equal(config.policy.autoFailback, false);
    assert.equal(config.telemetry.summaryMinutes, 5);
    assert.deepEqual(config.alerts, { channels: [], links: {}, reminderMinutes: 60 });
  });

  it("applies a group's policy over the top-level policy", () => {
    const raw = valid();
    raw["policy"] = { failureThreshold: 4, dwellSeconds: 120 };
    raw["groups"][0].policy = { failureThreshold: 2 };
    const config = parseConfig(raw);
    const policy = effectivePolicy(config, config.groups[0]);
    assert.equal(policy.failureThreshold, 2);
    assert.equal(policy.dwellSeconds, 120);
    assert.equal(policy.observerStaleSeconds, 30, "three intervals by default");
  });
});

describe("configuration: each class of bad input names its path and the fix", () => {
  const cases: {
    name: string;
    mutate: (c: Record<string, any>) => void;
    path: string;
    message: RegExp;
  }[] = [
    {
      name: "missing key",
      mutate: (c) => delete c["groups"][0].regions[1].probe.url,
      path: "groups[0].regions[1].probe.url",
      message: /^is required$/,
    },
    {
      name: "missing top-level section",
      mutate: (c) => delete c["stateStore"],
      path: "stateStore",
      message: /^is required$/,
    },
    {
      name: "wrong type",
      mutate: (c) => (c["policy"] = { intervalSeconds: "10" }),
      path: "policy.intervalSeconds",
      message: /^must be a number \(got "10"\)$/,
    },
    {
      name: "bad URL",
      mutate: (c) => (c["groups"][0].regions[1].probe.url = "weu.example.com/healthz"),
      path: "groups[0].regions[1].probe.url",
      message: /^must be an absolute https, http or tcp:\/\/host:port URL$/,
    },
    {
      name: "URL of another scheme",
      mutate: (c) => (c["groups"][0].regions[0].probe.url = "ftp://weu.example.com/"),
      path: "groups[0].regions[0].probe.url",
      message: /^must be an absolute https, http or tcp:\/\/host:port URL$/,
    },
    {
      name: "HTTP-only setting on a TCP probe",
      mutate: (c) =>
        (c["groups"][0].regions[0].probe = { url: "tcp://db.internal:5432", expectStatus: [200] }),
      path: "groups[0].regions[0].probe.expectStatus",
      message: /^applies to http and https probes only, not tcp:\/\/$/,
    },
    {
      name: "credential in a probe header",
      mutate: (c) => (c["groups"][0].regions[0].probe.headers = { Authorization: "Bearer S3CRET" }),
      path: "groups[0].regions[0].probe.headers.Authorization",
      message:
        /^carries a credential: give a secret reference such as "env:SETTING_NAME", not the value$/,
    },
    {
      name: "credential in a header whose name only contains auth",
      mutate: (c) => (c["groups"][0].regions[0].probe.headers = { "X-Api-Auth": "S3CRET" }),
      path: "groups[0].regions[0].probe.headers.X-Api-Auth",
      message: /^carries a credential/,
    },
    {
      name: "body conditions on a HEAD probe",
      mutate: (c) =>
        (c["groups"][0].regions[0].probe = {
          url: "https://weu.example.com/",
          method: "HEAD",
          body: { contains: "ok" },
        }),
      path: "groups[0].regions[0].probe.body",
      message: /^cannot be checked: a HEAD answer has no body/,
    },
    {
      name: "HTTP-only setting on an upper-case TCP URL",
      mutate: (c) =>
        (c["groups"][0].regions[0].probe = { url: "TCP://db.internal:5432", method: "GET" }),
      path: "groups[0].regions[0].probe.method",
      message: /^applies to http and https probes only/,
    },
    {
      name: "regular expression that does not compile",
      mutate: (c) => (c["groups"][0].regions[0].probe.body = { matches: "ok(" }),
      path: "groups[0].regions[0].probe.body.matches",
      message: /^is not a valid regular expression/,
    },
    {
      name: "JSON path outside the supported subset",
      mutate: (c) =>
        (c["groups"][0].regions[0].probe.body = { json: [{ path: "$..status", equals: "ok" }] }),
      path: "groups[0].regions[0].probe.body.json[0].path",
      message: /^must be a JSON path like \$\.status or \$\.checks\[0\]\.ok$/,
    },
    {
      name: "status range written backwards",
      mutate: (c) => (c["groups"][0].regions[0].probe.expectStatus = ["299-200"]),
      path: "groups[0].regions[0].probe.expectStatus[0]",
      message: /^the range 299-200 is empty/,
    },
    {
      name: "credentials inside a URL",
      mutate: (c) => (c["groups"][0].regions[0].probe.url = "https://user:pw@weu.example.com/"),
      path: "groups[0].regions[0].probe.url",
      message: /must not contain a user name or password/,
    },
    {
      name: "duplicate region",
      mutate: (c) => (c["groups"][0].regions[1].name = "westeurope"),
      path: "groups[0].regions[1].name",
      message: /^duplicate region "westeurope" \(already at groups\[0\]\.regions\[0\]\.name\)$/,
    },
    {
      name: "duplicate observer",
      mutate: (c) => (c["observers"][1].region = "westeurope"),
      path: "observers[1].region",
      message: /^duplicate observer region "westeurope"/,
    },
    {
      name: "unknown model",
      mutate: (c) => (c["groups"][0].model = "active-warm"),
      path: "groups[0].model",
      message:
        /^must be one of "active-active", "active-passive", "passive-cold" \(got "active-warm"\)$/,
    },
    {
      name: "inline secret in the state store",
      mutate: (c) =>
        (c["stateStore"].connection =
          "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3CRET"),
      path: "stateStore.connection",
      message:
        /^must be a secret reference such as "env:SETTING_NAME"; inline secrets are not allowed/,
    },
    {
      name: "inline secret in an alert channel",
      mutate: (c) =>
        (c["alerts"] = {
          channels: [
            {
              kind: "slack",
              name: "ops",
              webhookUrl: "https://hooks.slack.com/services/T0/B0/S3CRET",
            },
          ],
        }),
      path: "alerts.channels[0].webhookUrl",
      message: /^must be a secret reference/,
    },
    {
      name: "unknown key, with a suggestion",
      mutate: (c) => (c["policy"] = { failurThreshold: 3 }),
      path: "policy.failurThreshold",
      message: /^unknown key; did you mean "failureThreshold"\?$/,
    },
    {
      name: "an alert type that does not exist",
      mutate: (c) =>
        (c["alerts"] = {
          channels: [{ kind: "teams", name: "t", webhookUrl: "env:T", events: ["region.dwon"] }],
        }),
      path: "alerts.channels[0].events[0]",
      message: /^must be an alert type or a prefix such as "failover\.\*"/,
    },
    {
      name: "an alert channel for a group that is not configured",
      mutate: (c) =>
        (c["alerts"] = {
          channels: [{ kind: "teams", name: "t", webhookUrl: "env:T", groups: ["shoq"] }],
        }),
      path: "alerts.channels[0].groups[0]",
      message: /^names no group of this configuration/,
    },
    {
      name: "two alert channels with one name",
      mutate: (c) =>
        (c["alerts"] = {
          channels: [
            { kind: "teams", name: "ops", webhookUrl: "env:T" },
            { kind: "slack", name: "ops", webhookUrl: "env:S" },
          ],
        }),
      path: "alerts.channels[1].name",
      message: /^duplicate alert channel "ops"/,
    },
    {
      name: "unknown alert kind",
      mutate: (c) => (c["alerts"] = { channels: [{ kind: "sms", name: "x" }] }),
      path: "alerts.channels[0].kind",
      message: /^must be one of "teams", "slack", "pagerduty", "webhook" \(got "sms"\)$/,
    },
    {
      name: "number out of range",
      mutate: (c) => (c["policy"] = { failureThreshold: 0 }),
      path: "policy.failureThreshold",
      message: /^must be at least 1 \(got 0\)$/,
    },
    {
      name: "telemetry summary window out of range",
      mutate: (c) => (c["telemetry"] = { summaryMinutes: 61 }),
      path: "telemetry.summaryMinutes",
      message: /^must be at most 60 \(got 61\)$/,
    },
    {
      name: "telemetry summary window not a whole number of minutes",
      mutate: (c) => (c["telemetry"] = { summaryMinutes: 2.5 }),
      path: "telemetry.summaryMinutes",
      message: /whole number|integer/,
    },
    {
      name: "unknown telemetry setting",
      mutate: (c) => (c["telemetry"] = { summaryMinutes: 5, sampling: 0.5 }),
      path: "telemetry.sampling",
      message: /^unknown key; expected one of: summaryMinutes$/,
    },
    {
      name: "too few regions",
      mutate: (c) => c["groups"][0].regions.pop(),
      path: "groups[0].regions",
      message: /^must list at least two regions$/,
    },
    {
      name: "role that does not fit the model",
      mutate: (c) => (c["groups"][0].model = "active-active"),
      path: "groups[0].regions[0].role",
      message: /^must be "active" in an active-active group \(got "primary"\)$/,
    },
    {
      name: "passive-cold secondary without a cluster",
      mutate: (c) => (c["groups"][0].model = "passive-cold"),
      path: "groups[0].regions[1].cluster",
      message: /^is required for a passive-cold secondary/,
    },
    {
      name: "state store with neither connection nor endpoint",
      mutate: (c) => (c["stateStore"] = { table: "tandem" }),
      path: "stateStore",
      message: /^set connection .* or endpoint/,
    },
    {
      name: "probe timeout not shorter than the interval",
      mutate: (c) => (c["policy"] = { intervalSeconds: 5, probeTimeoutSeconds: 5 }),
      path: "policy.probeTimeoutSeconds",
      message: /must be shorter than the probe interval/,
    },
    {
      name: "malformed resource ID",
      mutate: (c) =>
        (c["groups"][0].traffic = {
          kind: "traffic-manager",
          profileId: `/subscriptions/${SUB}/shop`,
        }),
      path: "groups[0].traffic.profileId",
      message:
        /^must be an Azure resource ID like \/subscriptions\/<subscription-guid>\/resourceGroups\/<group>\/providers\/Microsoft.Network\/trafficManagerProfiles\/<name>$/,
    },
    {
      name: "traffic lever without endpoints",
      mutate: (c) =>
        (c["groups"][0].traffic = {
          kind: "traffic-manager",
          profileId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/shop`,
        }),
      path: "groups[0].regions[0].traffic",
      message: /^is required when the group has a traffic lever/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const raw = valid();
      c.mutate(raw);
      expectProblem(raw, c.path, c.message);
    });
  }

  it("reports every problem at once, type errors and cross-field rules together", () => {
    const raw = valid();
    raw["groups"][0].model = "active-warm";
    raw["groups"][0].regions[1].name = "westeurope";
    raw["groups"][0].regions[0].probe.url = "nope";
    raw["stateStore"].connection = "AccountKey=S3CRET";
    const paths = problemsOf(raw).map((p) => p.path);
    for (const path of [
      "groups[0].model",
      "groups[0].regions[1].name",
      "groups[0].regions[0].probe.url",
      "stateStore.connection",
    ])
      assert.ok(paths.includes(path), `missing ${path} in ${JSON.stringify(paths)}`);
  });

  it("never echoes an inline secret in its messages", () => {
    const raw = valid();
    raw["stateStore"].connection = "AccountKey=S3CRET-VALUE";
    raw["alerts"] = {
      channels: [
        { kind: "pagerduty", name: "p", routingKey: "S3CRET-VALUE" },
        { kind: "teams", name: "t", webhookUrl: 42 },
      ],
    };
    const text = JSON.stringify(problemsOf(raw));
    assert.doesNotMatch(text, /S3CRET/);
  });

  it("throws a ConfigError whose message lists each problem on its own line", () => {
    const raw = valid();
    raw["groups"][0].model = "x";
    delete raw["observers"];
    assert.throws(
      () => parseConfig(raw, "tandem.config.json"),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^tandem.config.json has 2 problems:\n {2}/.test(error.message) &&
        error.message.includes("\n  observers: is required"),
    );
  });
});

describe("configuration files", () => {
  it("reports a JSON syntax error with its line and column", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-config-"));
    const file = join(dir, "tandem.config.json");
    await writeFile(file, '{\n  "observers": [],\n  "groups": [,]\n}\n');
    await assert.rejects(loadConfigFile(file), (error: ConfigError) => {
      assert.equal(error.source, file);
      assert.equal(
        error.problems[0]!.message,
        "is not valid JSON at line 3, column 14: a value was expected (a trailing or doubled comma?)",
      );
      return true;
    });
  });

  it("refuses a key given twice in one object, naming its path, whichever value comes first", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-config-"));
    const file = join(dir, "tandem.config.json");
    const example = await readFile(
      join(ROOT, "examples", "active-passive.tandem.config.json"),
      "utf8",
    );
    const twice = example.replace(
      /"model": "active-passive"/,
      '"model": "active-passive", "model": "active-active"',
    );
    assert.notEqual(twice, example);
    await writeFile(file, twice);
    await assert.rejects(loadConfigFile(file), (error: ConfigError) => {
      assert.deepEqual(error.problems, [
        {
          path: "groups[0].model",
          message:
            "is given twice in the same object; keep one (JSON readers disagree on which wins)",
        },
      ]);
      return true;
    });
  });

  it("refuses a file nested thousands of levels deep with a problem, not a stack overflow", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-config-"));
    const file = join(dir, "tandem.config.json");
    await writeFile(file, `{"groups":${"[".repeat(20_000)}${"]".repeat(20_000)}}`);
    await assert.rejects(loadConfigFile(file), (error: ConfigError) => {
      assert.deepEqual(error.problems, [
        { path: "", message: "nests arrays and objects deeper than 64 levels" },
      ]);
      return true;
    });
  });

  it("refuses a file that is not valid UTF-8", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-config-"));
    const file = join(dir, "tandem.config.json");
    await writeFile(file, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]));
    await assert.rejects(loadConfigFile(file), /is not valid UTF-8 text/);
  });

  it("reports a missing file plainly", async () => {
    await assert.rejects(
      loadConfigFile("/nonexistent/tandem.config.json"),
      /tandem.config.json has 1 problem:\n {2}does not exist/,
    );
  });
});

describe("secret references", () => {
  it("lists every referenced app setting that is missing, by path and name only", () => {
    const config = parseConfig({
      ...valid(),
      alerts: { channels: [{ kind: "teams", name: "t", webhookUrl: "env:TEAMS_URL" }] },
    });
    assert.deepEqual(missingSecrets(config, { TANDEM_STORAGE: "UseDevelopmentStorage=true" }), [
      {
        path: "alerts.channels[0].webhookUrl",
        message: "refers to app setting TEAMS_URL, which is not set or is empty",
      },
    ]);
  });

  it("resolves a set reference and refuses an unset one without quoting any value", () => {
    assert.equal(resolveSecret("env:A", { A: "value" }), "value");
    assert.throws(
      () => resolveSecret("env:B", { A: "value" }),
      /^SecretError: app setting B is not set or is empty$/,
    );
  });
});
