// The runbook plans only with what the group's traffic lever says it can do: a lever that cannot
// promote never gets a promotion, one that cannot take regions out of rotation never gets a
// disable or an enable; each is refused by name, and an able lever gets the shift.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  LeverCapabilities,
  RunbookGroup,
  RunbookPolicy,
  Situation,
  Verdict,
} from "../../src/core/index.js";
import { FULL_LEVER, openManual, runbookStep } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import { primaryOn, situationAt } from "../helpers/runbook-fixtures.js";

const policy: RunbookPolicy = { ...TEST_POLICY, maxAutoFailovers: 5, autoFailback: true };
const group = (model: RunbookGroup["model"]): RunbookGroup => ({
  name: "g",
  model,
  regions: [
    { name: "weu", role: model === "active-active" ? "active" : "primary" },
    { name: "neu", role: model === "active-active" ? "active" : "secondary" },
  ],
});
const situation = (
  kept: Record<string, Verdict>,
  lever: LeverCapabilities | undefined,
  options: { primary?: string; disabled?: string } = {},
): Situation =>
  situationAt(
    1_000_000,
    1,
  )({
    kept,
    routing: primaryOn(options.primary ?? "weu", options.disabled ? [options.disabled] : []),
    ...(lever ? { lever } : {}),
  });
const NO_PROMOTE: LeverCapabilities = { promote: false, enable: true };
const NO_ENABLE: LeverCapabilities = { promote: true, enable: false };
const down = { weu: "down", neu: "healthy" } as const;

describe("runbook: the lever's declared capabilities", () => {
  const cases: {
    name: string;
    model: RunbookGroup["model"];
    s: Situation;
    refused?: RegExp;
    shift?: string;
  }[] = [
    {
      name: "active-passive failover is refused by a lever that cannot promote",
      model: "active-passive",
      s: situation(down, NO_PROMOTE),
      refused: /cannot make neu the first choice/,
    },
    {
      name: "active-passive failover promotes with a lever that can",
      model: "active-passive",
      s: situation(down, NO_ENABLE),
      shift: "promote neu",
    },
    {
      name: "active-passive failover promotes when the lever declares nothing (built-in levers)",
      model: "active-passive",
      s: situation(down, undefined),
      shift: "promote neu",
    },
    {
      name: "active-active loss is refused by a lever that cannot take regions out of rotation",
      model: "active-active",
      s: situation(down, NO_ENABLE),
      refused: /cannot disable weu/,
    },
    {
      name: "active-active loss disables the region with a lever that can",
      model: "active-active",
      s: situation(down, NO_PROMOTE),
      shift: "disable weu",
    },
    {
      name: "active-active recovery is refused by a lever that cannot put regions back",
      model: "active-active",
      s: situation({ weu: "healthy", neu: "healthy" }, NO_ENABLE, { disabled: "weu" }),
      refused: /cannot enable weu/,
    },
    {
      name: "automatic failback is refused by a lever that cannot promote",
      model: "active-passive",
      s: situation({ weu: "healthy", neu: "healthy" }, NO_PROMOTE, { primary: "neu" }),
      refused: /cannot make weu the first choice/,
    },
    {
      name: "passive-cold pre-warm is refused by a lever that could not promote the warmed region",
      model: "passive-cold",
      s: {
        ...situation({ weu: "suspect", neu: "healthy" }, NO_PROMOTE),
        clusters: { neu: { power: "Stopped", nodePools: [] } },
      },
      refused: /cannot make neu the first choice/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const g =
        c.model === "passive-cold"
          ? {
              ...group(c.model),
              regions: [
                { name: "weu", role: "primary" as const },
                { name: "neu", role: "secondary" as const, cluster: { nodePools: [] } },
              ],
            }
          : group(c.model);
      const result = runbookStep(g, c.s, policy, "id-1");
      if (c.refused) {
        assert.equal(result.incident, undefined, "no incident");
        assert.equal(result.refusal?.rule, "no-lever");
        assert.match(result.refusal!.reason, c.refused);
        assert.deepEqual(result.effects, []);
      } else {
        assert.ok(result.incident, JSON.stringify(result.refusal));
        assert.equal(`${result.incident.shift.kind} ${result.incident.shift.region}`, c.shift);
      }
    });

  /** A person's failover of an active-passive group to neu, both healthy, on `lever`. */
  const manualToNeu = (lever: LeverCapabilities, id: string) =>
    openManual(
      group("active-passive"),
      { kind: "failover", to: "neu", override: false, by: "ops", reason: "maintenance" },
      situation({ weu: "healthy", neu: "healthy" }, lever),
      id,
    );

  it("a manual failover to a region the lever cannot promote is refused by name", () => {
    const result = manualToNeu(NO_PROMOTE, "id-2");
    assert.equal(result.refusal?.rule, "no-lever");
    assert.match(result.refusal!.reason, /cannot make neu the first choice/);
  });

  it("a manual failover with a full lever opens the promotion", () => {
    const result = manualToNeu(FULL_LEVER, "id-3");
    assert.deepEqual(result.incident?.shift, { kind: "promote", region: "neu" });
  });
});
