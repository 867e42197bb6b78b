// Writes the files generated from the configuration schema, the lever providers and the cost
// model: tandem.schema.json, docs/configuration.md, the permissions part of docs/permissions.md,
// the event reference of docs/webhooks.md, the tables of docs/cost.md, the role files the
// deployment loads (infra/roles/levers.json and built-in.json), and the deployment parameters each example derives
// (examples/deploy/). `npm run gen` after changing src/config/schema.ts, a provider's operations
// or bench/cost-inputs.ts; a test fails when the committed files are out of date.
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonSchema, parseConfig, renderReference } from "../src/config/index.js";
import { deploymentParameters, parametersFile } from "../src/deploy/parameters.js";
import {
  BUILT_IN_ROLES,
  leverRoleFiles,
  renderPermissionsDoc,
} from "../src/providers/permissions.js";
import { PROVIDERS } from "../src/providers/registry.js";
import { renderWebhookDoc } from "../src/channels/webhook/docs.js";
import { renderCostDoc } from "../bench/cost-doc.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** examples/deploy/<name>.parameters.json: what `tandem deploy parameters` derives from each example. */
export function exampleParameters(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(`${root}examples`)
      .filter((f) => f.endsWith(".tandem.config.json"))
      .map((f) => {
        const config = parseConfig(JSON.parse(readFileSync(`${root}examples/${f}`, "utf8")), f);
        const name = f.replace(/\.tandem\.config\.json$/, "");
        return [
          `examples/deploy/${name}.parameters.json`,
          json(parametersFile(deploymentParameters(config, {}, f))),
        ];
      }),
  );
}

export function generatedFiles(): Record<string, string> {
  const schema = jsonSchema();
  return {
    ...exampleParameters(),
    "infra/roles/levers.json": json(leverRoleFiles(PROVIDERS)),
    "infra/roles/built-in.json": json({
      generatedFrom:
        "BUILT_IN_ROLES in src/providers/permissions.ts by npm run gen; a test fails when this file is out of date",
      ...BUILT_IN_ROLES,
    }),
    "tandem.schema.json": json(schema),
    "docs/configuration.md": renderReference(schema),
    "docs/permissions.md": renderPermissionsDoc(
      readFileSync(`${root}docs/permissions.md`, "utf8"),
      PROVIDERS,
    ),
    "docs/webhooks.md": renderWebhookDoc(readFileSync(`${root}docs/webhooks.md`, "utf8")),
    "docs/cost.md": renderCostDoc(readFileSync(`${root}docs/cost.md`, "utf8")),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, content] of Object.entries(generatedFiles())) {
    await mkdir(dirname(`${root}${file}`), { recursive: true });
    await writeFile(`${root}${file}`, content);
    console.log(`wrote ${file}`);
  }
}
