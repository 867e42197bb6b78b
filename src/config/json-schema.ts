// The JSON Schema editors use to complete and check tandem.config.json, generated from the zod
// declarations so the two cannot disagree (a test compares it with the committed file).
import * as z from "zod";
import { PROVIDERS } from "../providers/registry.js";
import type { ProviderRegistry } from "../providers/types.js";
import { configSchemaFor } from "./schema.js";

const cached = new WeakMap<ProviderRegistry, Record<string, unknown>>();

/** The JSON Schema of the configuration with a registry's lever kinds (PROVIDERS by default). */
export function jsonSchema(registry: ProviderRegistry = PROVIDERS): Record<string, unknown> {
  let schema = cached.get(registry);
  if (!schema) {
    schema = {
      ...z.toJSONSchema(configSchemaFor(registry), {
        io: "input",
        target: "draft-7",
        unrepresentable: "any",
      }),
      title: "Tandem configuration",
    };
    cached.set(registry, schema);
  }
  return schema;
}
