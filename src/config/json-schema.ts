// The JSON Schema editors use to complete and check tandem.config.json, generated from the zod
// declarations so the two cannot disagree (a test compares it with the committed file).
import { z } from "zod";
import { configSchema } from "./schema.js";

let cached: Record<string, unknown> | undefined;

export function jsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(configSchema, { io: "input", target: "draft-7", unrepresentable: "any" }),
    title: "Tandem configuration",
  };
  return cached;
}
