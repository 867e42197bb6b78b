// Writes the files generated from the configuration schema: tandem.schema.json and
// docs/configuration.md. `npm run gen` after changing src/config/schema.ts; a test fails when
// the committed files are out of date.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { jsonSchema, renderReference } from "../src/config/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

export function generatedFiles(): Record<string, string> {
  const schema = jsonSchema();
  return {
    "tandem.schema.json": `${JSON.stringify(schema, null, 2)}\n`,
    "docs/configuration.md": renderReference(schema),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, content] of Object.entries(generatedFiles())) {
    await writeFile(`${root}${file}`, content);
    console.log(`wrote ${file}`);
  }
}
