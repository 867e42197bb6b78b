// The role contract: for each lever kind, the role file the Bicep loads grants exactly the actions
// the adapter calls (from the provider's own list of operations), split by where ARM checks them,
// and the Bicep assigns it on exactly the resources the configuration names, through one module
// for every kind: no template names a lever kind.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";
import { deploymentParameters } from "../../src/deploy/parameters.js";
import { BUILT_IN_ROLES, roleFile, scopeOf } from "../../src/providers/permissions.js";
import type { RoleFile } from "../../src/providers/permissions.js";
import { PROVIDERS, allProviders } from "../../src/providers/registry.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/paths.js";
import { bicepFiles, code, read, templateResources } from "./bicep-text.js";

const EXAMPLES = ["active-passive", "passive-cold"];
const exampleConfig = (name: string) =>
  parseConfig(JSON.parse(read(`examples/${name}.tandem.config.json`)) as unknown);
const leverRoles = JSON.parse(read("infra/roles/levers.json")) as {
  kinds: Record<string, RoleFile>;
};
const roleFileOf = (kind: string) => leverRoles.kinds[kind]!;
const main = code("infra/main.bicep");
const ACCESS = "infra/modules/access/resource.json";

/** How the per-kind Bicep modules of earlier releases spelled each kind's type in `existing`. */
const EARLIER_TYPES: Record<string, string> = {
  "traffic-manager": "Microsoft.Network/trafficmanagerprofiles",
  "front-door": "Microsoft.Cdn/profiles/originGroups",
  aks: "Microsoft.ContainerService/managedClusters",
};

describe("role contract between the providers' operations and the Bicep", () => {
  for (const provider of allProviders(PROVIDERS)) {
    describe(provider.kind, () => {
      const file = roleFileOf(provider.kind);

      it("its role file grants exactly the actions its adapter calls, split by where ARM checks them", () => {
        assert.deepEqual(
          file,
          roleFile(provider),
          `infra/roles/levers.json is stale for ${provider.kind}: npm run gen`,
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

      it("its role file is generated into infra/roles/levers.json, under its kind", () => {
        assert.equal(file.kind, provider.kind);
        assert.equal(file.resource.type, provider.scopeType);
      });
    });
  }

  it("the Bicep loads every kind's roles from one generated file and names no lever kind", () => {
    assert.ok(main.includes("loadJsonContent('roles/levers.json').kinds"));
    assert.deepEqual(
      readdirSync(join(ROOT, "infra/roles")).sort(),
      ["built-in.json", "levers.json"],
      "infra/roles/ holds a file of another kind: the levers' roles are all in levers.json",
    );
    for (const path of [...bicepFiles(), ACCESS])
      for (const p of allProviders(PROVIDERS))
        assert.ok(!code(path).includes(`'${p.kind}'`), `${path} names the lever kind ${p.kind}`);
  });

  it("one module assigns every kind's role on every scope, with the kind's own role definition", () => {
    assert.match(
      main,
      /module leverAccess 'modules\/access\/resource\.json' = \[\s*for s in leverScopes: \{[^]*?scope: resourceGroup\(s\.subscriptionId, s\.resourceGroup\)[^]*?resource: s\.resource\n[^]*?guid\(subscription\(\)\.id, environmentName, s\.kind, 'resource'\)/,
    );
    const template = JSON.parse(read(ACCESS)) as {
      resources: { scope: string; name: string; properties: Record<string, string> }[];
    };
    assert.equal(templateResources(ACCESS).length, 1);
    const [assignment] = template.resources;
    assert.equal(templateResources(ACCESS)[0]!.type, "Microsoft.Authorization/roleAssignments");
    assert.equal(assignment!.scope, "[parameters('resource')]");
    assert.equal(assignment!.properties["roleDefinitionId"], "[parameters('roleDefinitionId')]");
    assert.equal(assignment!.properties["principalId"], "[parameters('principalId')]");
  });

  it("assignment names stay as earlier deployments made them (the resource's id in its kind's spelling)", () => {
    const [assignment] = (JSON.parse(read(ACCESS)) as { resources: { name: string }[] }).resources;
    // Earlier: guid(<existing resource>.id, principalId, roleDefinitionId), the id being
    // resourceId('<type as the module spelled it>', names...) in the resource's resource group.
    assert.equal(
      assignment!.name,
      "[guid(format('{0}/providers/{1}', resourceGroup().id, parameters('resource')), parameters('principalId'), parameters('roleDefinitionId'))]",
    );
    for (const [kind, type] of Object.entries(EARLIER_TYPES))
      assert.equal(roleFileOf(kind).resource.type, type, `${kind} changed its spelling`);
  });

  it("a provider whose scopes are not of its declared type is refused, naming the kind and the id", () => {
    const aks = PROVIDERS.clusters[0]!;
    const registry = {
      ...PROVIDERS,
      clusters: [{ ...aks, scopeType: "Microsoft.Compute/virtualMachines" }],
    };
    assert.throws(
      () => deploymentParameters(exampleConfig("passive-cold"), { registry }),
      /provider aks gave a scope of type Microsoft\.ContainerService\/managedClusters, not its scopeType Microsoft\.Compute\/virtualMachines: \/subscriptions\//,
    );
  });

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
        // The resource the module assigns on is the configured one, its types spelled as the
        // kind declares them (the assignment's name is made from it).
        const type = roleFileOf(s.kind).resource.type;
        assert.equal(
          `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/${s.resource}`.toLowerCase(),
          s.id.toLowerCase(),
        );
        const [namespace, ...types] = type.split("/");
        assert.deepEqual(
          s.resource.split("/").filter((_, i) => i === 0 || i % 2 === 1),
          [namespace, ...types],
          `${s.resource} is not spelled as ${type}`,
        );
      }
    });

  it("a group's data stores get their kinds' roles: every SQL server of a failover group and the Cosmos DB account", () => {
    const raw = JSON.parse(read("examples/active-passive.tandem.config.json")) as {
      groups: Record<string, unknown>[];
    };
    const rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data";
    const servers = {
      westeurope: `${rg}/providers/Microsoft.Sql/servers/shop-sql-weu`,
      northeurope: `${rg}/providers/Microsoft.Sql/servers/shop-sql-neu`,
    };
    const account = `${rg}/providers/Microsoft.DocumentDB/databaseAccounts/shop-cosmos`;
    raw.groups[0]!.data = [
      { name: "orders", kind: "sql-failover-group", servers, failoverGroup: "shop-orders" },
      { name: "carts", kind: "cosmosdb", resourceId: account },
    ];
    const { leverScopes } = deploymentParameters(parseConfig(raw));
    const data = leverScopes.filter(
      (s) => s.kind === "sql-failover-group" || s.kind === "cosmosdb",
    );
    assert.deepEqual(
      data.map((s) => [s.kind, s.id, s.resource]),
      [
        ["sql-failover-group", servers.westeurope, "Microsoft.Sql/servers/shop-sql-weu"],
        ["sql-failover-group", servers.northeurope, "Microsoft.Sql/servers/shop-sql-neu"],
        ["cosmosdb", account, "Microsoft.DocumentDB/databaseAccounts/shop-cosmos"],
      ],
    );
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
