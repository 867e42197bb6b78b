// The role contract: for each lever kind, the role file the Bicep loads grants exactly the actions
// the adapter calls (from the provider's own list of operations), split by where ARM checks them,
// and the Bicep assigns it on exactly the resources the configuration names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";
import { deploymentParameters } from "../../src/deploy/parameters.js";
import { BUILT_IN_ROLES, roleFile, scopeOf } from "../../src/providers/permissions.js";
import type { RoleFile } from "../../src/providers/permissions.js";
import { PROVIDERS, allProviders } from "../../src/providers/registry.js";
import { bicepFiles, code, read } from "./bicep-text.js";

const EXAMPLES = ["active-passive", "passive-cold"];
const exampleConfig = (name: string) =>
  parseConfig(JSON.parse(read(`examples/${name}.tandem.config.json`)) as unknown);
const roleFileOf = (kind: string) => JSON.parse(read(`infra/roles/${kind}.json`)) as RoleFile;
const main = code("infra/main.bicep");

describe("role contract between the providers' operations and the Bicep", () => {
  for (const provider of allProviders(PROVIDERS)) {
    describe(provider.kind, () => {
      const file = roleFileOf(provider.kind);

      it("its role file grants exactly the actions its adapter calls, split by where ARM checks them", () => {
        assert.deepEqual(
          file,
          roleFile(provider),
          `infra/roles/${provider.kind}.json is stale: npm run gen`,
        );
        const granted = [...file.resource.actions, ...file.operations.actions].sort();
        assert.deepEqual(granted, [...new Set(provider.operations.map((o) => o.action))].sort());
        for (const o of provider.operations) {
          const scope = scopeOf(o);
          assert.ok(
            (scope === "resource" ? file.resource : file.operations).actions.includes(o.action),
            `${o.action} (${o.path}) is granted at the wrong scope`,
          );
          if (scope !== "resource") assert.equal(file.operations.assignedAt, scope, o.path);
        }
        for (const action of granted) assert.ok(!action.includes("*"), `${action} is a wildcard`);
      });

      it("the Bicep loads its role file and assigns it through its own module", () => {
        assert.ok(main.includes(`loadJsonContent('roles/${provider.kind}.json')`));
        const module = new RegExp(
          `module \\w+ 'modules/access/${provider.kind}\\.bicep' = \\[\\s*for s in filter\\(leverScopes, x => x\\.kind == '${provider.kind}'\\)`,
        );
        assert.match(main, module);
        assert.match(
          main,
          new RegExp(
            `guid\\(subscription\\(\\).id, environmentName, '${provider.kind}', 'resource'\\)`,
          ),
        );
      });
    });
  }

  it("the role definitions take their actions from the role files, assignable on this subscription only", () => {
    assert.match(main, /actions: leverRoles\[kind\]\.resource\.actions/);
    assert.match(main, /actions: leverRoles\[kind\]\.operations\.actions/);
    assert.equal((main.match(/assignableScopes: \[subscription\(\)\.id\]/g) ?? []).length, 2);
  });

  for (const name of EXAMPLES)
    it(`${name}: each role is assigned on exactly the resources the configuration names`, () => {
      const config = exampleConfig(name);
      const { leverScopes } = deploymentParameters(config);
      const expected = config.groups.flatMap((g) => [
        ...(g.traffic
          ? PROVIDERS.traffic.find((p) => p.kind === g.traffic!.kind)!.scopes(g.traffic)
          : []),
        ...g.regions.flatMap((r) =>
          r.cluster
            ? PROVIDERS.clusters.find((p) => p.kind === r.cluster!.kind)!.scopes(r.cluster)
            : [],
        ),
      ]);
      assert.deepEqual(leverScopes.map((s) => s.id).sort(), [...new Set(expected)].sort());
      for (const s of leverScopes) {
        // The parts the Bicep uses put the id back together.
        const [namespace, ...types] = s.type.split("/");
        const path = types.map((t, i) => `${t}/${s.names[i]}`).join("/");
        assert.equal(
          `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/${namespace}/${path}`.toLowerCase(),
          s.id.toLowerCase(),
        );
        // The access module of the kind assigns on a resource of exactly that type.
        const module = code(`infra/modules/access/${s.kind}.bicep`);
        const existing = new RegExp(
          `resource (\\w+) '${s.type.replace(/\//g, "\\/")}@[^']+' existing`,
          "i",
        ).exec(module);
        assert.ok(existing, `infra/modules/access/${s.kind}.bicep has no existing ${s.type}`);
        assert.match(
          module,
          new RegExp(
            `'Microsoft\\.Authorization\\/roleAssignments@[^']+' = \\{[^}]*scope: ${existing[1]}\\b`,
          ),
          `infra/modules/access/${s.kind}.bicep does not assign on its ${s.type}`,
        );
        assert.equal((module.match(/Microsoft\.Authorization\/roleAssignments@/g) ?? []).length, 1);
      }
    });

  it("built-in roles come from infra/roles/built-in.json: no role id is written into a template", () => {
    assert.deepEqual(JSON.parse(read("infra/roles/built-in.json")), {
      generatedFrom: JSON.parse(read("infra/roles/built-in.json")).generatedFrom,
      ...BUILT_IN_ROLES,
    });
    for (const file of bicepFiles())
      assert.ok(
        !/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(code(file)),
        `${file} writes a GUID: take role ids from infra/roles/built-in.json`,
      );
    for (const key of Object.keys(BUILT_IN_ROLES))
      assert.ok(
        main.includes(`builtIn.${key}.id`),
        `main.bicep does not assign built-in role ${key}`,
      );
  });

  it("docs/permissions.md names every role the deployment assigns", () => {
    const doc = read("docs/permissions.md");
    for (const r of Object.values(BUILT_IN_ROLES)) assert.ok(doc.includes(r.name), r.name);
    for (const p of allProviders(PROVIDERS)) {
      const file = roleFile(p);
      for (const action of [...file.resource.actions, ...file.operations.actions])
        assert.ok(doc.includes(`\`${action}\``), `docs/permissions.md lacks ${action}`);
    }
  });
});
