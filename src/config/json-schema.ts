// The JSON Schema editors use to complete and check tandem.config.json, generated from the zod
// declarations so the two cannot disagree (a test compares it with the committed file).
import * as z from "zod";
import { PROVIDERS } from "../providers/registry.js";
import type { ProviderRegistry } from "../providers/types.js";
import { PROBE_KINDS } from "../probes/registry.js";
import type { ProbeKindRegistry } from "../probes/types.js";
import { CHANNEL_KINDS } from "../channels/registry.js";
import type { ChannelKindRegistry } from "../channels/types.js";
import { configSchemaFor } from "./schema.js";

const cached = new WeakMap<object, Record<string, unknown>>();

/**
 * The JSON Schema of the configuration with a registry's lever kinds (PROVIDERS by default),
 * probe kinds (PROBE_KINDS by default) and alert channel kinds (CHANNEL_KINDS by default).
 */
export function jsonSchema(
  registry: ProviderRegistry = PROVIDERS,
  probeKinds: ProbeKindRegistry = PROBE_KINDS,
  channelKinds: ChannelKindRegistry = CHANNEL_KINDS,
): Record<string, unknown> {
  const zod = configSchemaFor(registry, probeKinds, channelKinds);
  let schema = cached.get(zod);
  if (!schema) {
    schema = {
      ...z.toJSONSchema(zod, {
        io: "input",
        target: "draft-7",
        unrepresentable: "any",
      }),
      title: "Tandem configuration",
    };
    cached.set(zod, schema);
  }
  return schema;
}
