// Every resource type and api-version the templates (Bicep, and the ARM JSON modules) use exists in Azure's published REST API
// specifications: checked against infra/api-versions.json, a small list of the ones used, each
// with the specification file and commit it was found at.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  armTemplates,
  bicepFiles,
  code,
  read,
  resourceTypes,
  templateResources,
} from "./bicep-text.js";

interface Listed {
  readonly type: string;
  readonly apiVersion: string;
  readonly spec: string;
  readonly commit: string;
}
const listed = (JSON.parse(read("infra/api-versions.json")) as { types: Listed[] }).types;
const key = (type: string, apiVersion: string) => `${type.toLowerCase()}@${apiVersion}`;
const used = [
  ...bicepFiles().flatMap((file) => resourceTypes(code(file)).map((t) => ({ file, ...t }))),
  ...armTemplates().flatMap((file) =>
    templateResources(file).map((r) => ({ file, type: r.type, apiVersion: r.apiVersion })),
  ),
];

describe("resource types and api-versions in the Bicep", () => {
  it("the templates name resource types (the scan finds them)", () => {
    assert.ok(used.length >= 20, `found only ${used.length} type references`);
  });

  it("every type@api-version the templates use is in the vendored list from the published specs", () => {
    const known = new Set(listed.map((t) => key(t.type, t.apiVersion)));
    for (const u of used)
      assert.ok(
        known.has(key(u.type, u.apiVersion)),
        `${u.file} uses ${u.type}@${u.apiVersion}, which infra/api-versions.json does not list: find it in github.com/Azure/azure-rest-api-specs first`,
      );
  });

  it("every listed entry names a stable specification of its own namespace and version, at a commit", () => {
    for (const t of listed) {
      const namespace = t.type.split("/")[0]!;
      assert.match(t.spec, /^specification\/[a-z-]+\/resource-manager\/.+\.json$/, t.type);
      assert.ok(t.spec.includes(`/${namespace}/`), `${t.type}: ${t.spec} is not ${namespace}'s`);
      assert.ok(
        t.spec.includes(`/stable/${t.apiVersion}/`),
        `${t.type}: ${t.spec} is not ${t.apiVersion}`,
      );
      assert.match(t.commit, /^[0-9a-f]{40}$/, `${t.type}: commit`);
    }
  });

  it("lists nothing the templates do not use", () => {
    const inUse = new Set(used.map((u) => key(u.type, u.apiVersion)));
    for (const t of listed)
      assert.ok(
        inUse.has(key(t.type, t.apiVersion)),
        `${t.type}@${t.apiVersion} is listed but unused`,
      );
  });
});
