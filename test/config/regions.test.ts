import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AZURE_REGIONS,
  configWarnings,
  parseConfig,
  validateConfig,
} from "../../src/config/index.js";
import { closeRegion } from "../../src/config/regions.js";
import { validConfig } from "../helpers/valid-config.js";

/** Two observers outside a two-region group; each case changes one name in a fresh copy. */
const valid = () => validConfig("active-active");

describe("region names are checked against Azure's list", () => {
  it("knows the regions Tandem's own examples and sandbox use", () => {
    for (const r of ["westeurope", "northeurope", "swedencentral", "francecentral", "eastus2"])
      assert.ok(AZURE_REGIONS.has(r), r);
  });

  const misspelt: [string, (c: Record<string, any>) => void, string, string][] = [
    [
      "an observer one letter short",
      (c) => (c.observers[1].region = "northeurop"),
      "observers[1].region",
      "northeurope",
    ],
    [
      "a group region one letter long",
      (c) => (c.groups[0].regions[1].name = "northeuropee"),
      "groups[0].regions[1].name",
      "northeurope",
    ],
    [
      "two letters swapped",
      (c) => (c.groups[0].regions[0].name = "westeruope"),
      "groups[0].regions[0].name",
      "westeurope",
    ],
    [
      "a witness region one letter off",
      (c) => (c.deployment = { witnessRegion: "swedencentra" }),
      "deployment.witnessRegion",
      "swedencentral",
    ],
  ];
  for (const [name, change, path, suggestion] of misspelt)
    it(`refuses ${name}, naming the region it is close to`, () => {
      const config = valid();
      change(config);
      const result = validateConfig(config);
      assert.equal(result.ok, false);
      const found = result.ok ? undefined : result.problems.find((p) => p.path === path);
      assert.ok(found, JSON.stringify(result));
      assert.match(found.message, new RegExp(`did you mean "${suggestion}"\\?`));
      assert.match(found.message, /newRegions/);
    });

  it("accepts a close name listed in newRegions (a region newer than the list)", () => {
    const config = valid();
    config.groups[0].regions[1].name = "westus4";
    assert.equal(closeRegion("westus4") !== undefined, true);
    assert.equal(validateConfig(config).ok, false);
    config.newRegions = ["westus4"];
    const parsed = parseConfig(config);
    assert.deepEqual(configWarnings(parsed), []);
  });

  it("warns, and does not refuse, a name far from every listed region", () => {
    const config = valid();
    config.groups[0].regions[1].name = "marsnorth";
    const parsed = parseConfig(config);
    const warnings = configWarnings(parsed);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.path, "groups[0].regions[1].name");
    assert.match(warnings[0]!.message, /not in Tandem's list of Azure regions .*newRegions/);
  });

  it("takes short names for abbreviations, never for misspellings", () => {
    assert.equal(closeRegion("weu"), undefined);
    assert.equal(closeRegion("eastu"), "eastus");
  });
});

describe("configuration warnings", () => {
  it("warns about a single observer: agreement needs two outside a region", () => {
    const config = valid();
    config.observers = [{ region: "westeurope" }];
    const warnings = configWarnings(parseConfig(config));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.path, "observers");
    assert.match(warnings[0]!.message, /one observer.*two outside a region/);
  });

  it("has nothing to say about two observers in listed regions", () => {
    assert.deepEqual(configWarnings(parseConfig(valid())), []);
  });
});
