// The deployment's contracts that no Bicep compiler checks here: custom role names unique in the
// tenant, the azd version the hooks rely on, one host identity per region, the telemetry
// resources deployed from infra/telemetry/, and each lever kind's operations role assigned where
// ARM checks it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";
import { deploymentParameters } from "../../src/deploy/parameters.js";
import { roleFile } from "../../src/providers/permissions.js";
import { PROVIDERS, allProviders } from "../../src/providers/registry.js";
import { code, read } from "./bicep-text.js";

const main = code("infra/main.bicep");
const observer = code("infra/modules/observer.bicep");
const monitoring = code("infra/modules/monitoring.bicep");

/** `1.25.3` as a comparable number. */
const versionNumber = (v: string) => v.split(".").reduce((n, part) => n * 1000 + Number(part), 0);

describe("deployment contracts", () => {
  it("custom role names are unique in the tenant: each ends with the environment and a hash of subscription and environment", () => {
    assert.match(
      main,
      /var token = toLower\(uniqueString\(subscription\(\)\.id, environmentName\)\)/,
    );
    assert.match(main, /var roleSuffix = '\(\$\{environmentName\} \$\{take\(token, 8\)\}\)'/);
    const names = [...main.matchAll(/roleName: (.+)$/gm)].map((m) => m[1]!.trim());
    assert.equal(names.length, 2, "two role definitions: resource and operations");
    for (const n of names) assert.match(n, /\$\{roleSuffix\}'$/, n);
    // postdown finds them by that ending, among the roles assignable in this subscription only.
    const postdown = read("infra/hooks/postdown.sh");
    assert.match(postdown, /contains\(roleName, '\(\$env_name '\)/);
    assert.match(postdown, /contains\(assignableScopes, '\$scope'\)/);
    assert.match(postdown, /scope="\/subscriptions\/\$\{AZURE_SUBSCRIPTION_ID:\?\}"/);
  });

  it("azure.yaml requires an azd whose `azd down` spares pre-existing resource groups and whose `azd up` shows the hooks' output", () => {
    const yaml = read("azure.yaml");
    const m = /^requiredVersions:\n {2}azd: "?>= ?(\d+\.\d+\.\d+)"?$/m.exec(yaml);
    assert.ok(m, "azure.yaml has no requiredVersions.azd of the form >= X.Y.Z");
    const pinned = versionNumber(m[1]!);
    assert.ok(pinned >= versionNumber("1.24.1"), "Azure/azure-dev#7698 is fixed in 1.24.1");
    assert.ok(pinned >= versionNumber("1.25.3"), "Azure/azure-dev#8263 is fixed in 1.25.3");
  });

  it("each region's host storage is reached by that region's own identity, and only by it", () => {
    assert.match(
      observer,
      /resource hostIdentity 'Microsoft\.ManagedIdentity\/userAssignedIdentities@[^']+' = \{\s*name: hostIdentityName\s*location: region/,
    );
    assert.equal((observer.match(/Microsoft\.Authorization\/roleAssignments@/g) ?? []).length, 1);
    assert.match(
      observer,
      /scope: hostStorage\s+properties: \{[^}]*principalId: hostIdentity\.properties\.principalId/,
    );
    assert.match(observer, /userAssignedIdentityResourceId: hostIdentity\.id/);
    assert.match(observer, /AzureWebJobsStorage__clientId: hostIdentity\.properties\.clientId/);
    assert.doesNotMatch(observer, /identityPrincipalId/);
    assert.match(main, /hostIdentityName: 'id-tandem-host-\$\{o\.region\}-\$\{token\}'/);
  });

  it("the workbook, the log alert rules and their action group are deployed from infra/telemetry/ as they are", () => {
    assert.match(
      monitoring,
      /var alertRules = loadJsonContent\('\.\.\/telemetry\/alert-rules\.json'\)\.rules/,
    );
    assert.match(
      monitoring,
      /serializedData: loadTextContent\('\.\.\/telemetry\/workbook\.json'\)/,
    );
    assert.match(monitoring, /sourceId: component\.id/);
    assert.match(monitoring, /for rule in alertRules: \{/);
    assert.match(monitoring, /scopes: \[component\.id\]/);
    assert.match(monitoring, /actionGroups: \[actionGroup\.id\]/);
    assert.match(monitoring, /for \(address, i\) in alertEmails:/);
    assert.match(main, /alertEmails: alertEmails/);
    // Every field the Bicep reads is in every rule, with a value Azure Monitor takes.
    const rules = (
      JSON.parse(read("infra/telemetry/alert-rules.json")) as { rules: Record<string, unknown>[] }
    ).rules;
    assert.ok(rules.length >= 5);
    for (const r of rules) {
      for (const field of [...monitoring.matchAll(/\brule\.(\w+)/g)].map((m) => m[1]!))
        assert.ok(field in r, `${String(r["name"])} lacks ${field}`);
      assert.ok([0, 1, 2, 3, 4].includes(r["severity"] as number));
      assert.ok(
        ["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "Equals"].includes(
          r["operator"] as string,
        ),
      );
      assert.ok(
        ["Count", "Average", "Minimum", "Maximum", "Total"].includes(
          r["timeAggregation"] as string,
        ),
      );
      assert.match(r["evaluationFrequency"] as string, /^PT\d+[MH]$/);
      assert.match(r["windowSize"] as string, /^PT\d+[MH]$/);
    }
    assert.equal(new Set(rules.map((r) => r["name"])).size, rules.length, "rule names are unique");
    assert.equal(
      (JSON.parse(read("infra/telemetry/workbook.json")) as { version: string }).version,
      "Notebook/1.0",
    );
  });

  it("each lever kind's operations role is assigned where ARM checks its operations: Front Door on the resource groups, AKS on the subscription", () => {
    const at = Object.fromEntries(
      allProviders(PROVIDERS).map((p) => [p.kind, roleFile(p).operations.assignedAt]),
    );
    assert.equal(at["front-door"], "resourceGroup");
    assert.equal(at["aks"], "subscription");
    assert.match(main, /for kind in kindsFollowingOnSubscription: \{/);
    assert.match(
      main,
      /module operationGroupAccess 'modules\/access\/operations\.bicep' = \[\s*for g in operationGroups: \{[^]*?scope: resourceGroup\(g\.subscriptionId, g\.resourceGroup\)/,
    );
    // The example with a Front Door lever gets its profile's resource group, once.
    const config = parseConfig(
      JSON.parse(read("examples/passive-cold.tandem.config.json")) as unknown,
    );
    const { operationGroups, leverScopes } = deploymentParameters(config);
    const frontDoorGroups = [
      ...new Set(leverScopes.filter((s) => s.kind === "front-door").map((s) => s.resourceGroup)),
    ];
    assert.deepEqual(
      operationGroups.map((g) => g.resourceGroup),
      frontDoorGroups,
    );
    assert.ok(operationGroups.every((g) => g.kind === "front-door"));
  });
});
