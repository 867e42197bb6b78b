// A channel kind's settings schema: a strict object of its `kind` and its own fields, each with
// its help text. The configuration adds the fields every channel has (name, filters).
import * as z from "zod";
import type { ChannelSchema } from "./types.js";

export function channelSchema(
  kind: string,
  help: { readonly kind: string; readonly settings: string },
  fields: z.ZodRawShape,
): ChannelSchema {
  return z
    .strictObject({ kind: z.literal(kind).describe(help.kind), ...fields })
    .describe(help.settings);
}
