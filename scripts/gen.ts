// Writes the files generated from the configuration schema and the lever providers:
// tandem.schema.json, docs/configuration.md, the permissions part of docs/permissions.md and the
// event reference of docs/webhooks.md. `npm run gen` after changing src/config/schema.ts; a test fails when
// the committed files are out of date.
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { jsonSchema, renderReference } from "../src/config/index.js";
import { renderPermissionsDoc } from "../src/providers/permissions.js";
import { PROVIDERS } from "../src/providers/registry.js";
import { renderWebhookDoc } from "../src/adapters/alerts/webhook/docs.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

export function generatedFiles(): Record<string, string> {
  const schema = jsonSchema();
  return {
    "tandem.schema.json": `${JSON.stringify(schema, null, 2)}\n`,
    "docs/configuration.md": renderReference(schema),
    "docs/permissions.md": renderPermissionsDoc(
      readFileSync(`${root}docs/permissions.md`, "utf8"),
      PROVIDERS,
    ),
    "docs/webhooks.md": renderWebhookDoc(readFileSync(`${root}docs/webhooks.md`, "utf8")),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, content] of Object.entries(generatedFiles())) {
    await writeFile(`${root}${file}`, content);
    console.log(`wrote ${file}`);
  }
}
