// The Entra app roles the deployment creates: reader and operator for people and applications,
// observer for applications only, named by the configuration, with ids that never change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";
import { appRoles } from "../../src/deploy/app-roles.js";
import { read } from "../infra/bicep-text.js";

const example = () =>
  JSON.parse(read("examples/active-passive.tandem.config.json")) as Record<string, any>;

describe("app roles", () => {
  it("reader first, operator, then observer (applications only), by the default names", () => {
    const roles = appRoles(parseConfig(example()));
    assert.deepEqual(
      roles.map((r) => [r.value, r.allowedMemberTypes, r.isEnabled]),
      [
        ["Tandem.Reader", ["User", "Application"], true],
        ["Tandem.Operator", ["User", "Application"], true],
        ["Tandem.Observer", ["Application"], true],
      ],
    );
  });

  it("takes the names from the configuration; an id follows the name, not the run", () => {
    const named = appRoles(
      parseConfig({ ...example(), api: { observerRole: "Shop.Tandem.Peer" } }),
    );
    assert.equal(named[2]!.value, "Shop.Tandem.Peer");
    const again = appRoles(parseConfig(example()));
    assert.deepEqual(
      appRoles(parseConfig(example())).map((r) => r.id),
      again.map((r) => r.id),
    );
    assert.notEqual(named[2]!.id, again[2]!.id);
    assert.equal(named[0]!.id, again[0]!.id);
    for (const r of again)
      assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("a configuration naming one role twice is refused", () => {
    assert.throws(
      () => parseConfig({ ...example(), api: { observerRole: "Tandem.Operator" } }),
      /api\.observerRole: is the same app role as api\.operatorRole \("Tandem\.Operator"\)/,
    );
  });
});
