// A probe's settings, put together from the probe kinds of a registry: the URL (whose scheme
// names the kind), the fields every kind takes, and each kind's own fields. The rule that a field
// applies to some kinds only comes from the same declarations.
import * as z from "zod";
import { kindOfUrl, kindsWithField } from "../probes/registry.js";
import type {
  ProbeInput,
  ProbeKindRegistry,
  ProbeSettings,
  RawProbe,
  ReportProblem,
} from "../probes/types.js";
import { count, hasCredentials, seconds } from "./fields.js";

/** Fields every probe takes, whatever its kind. */
const COMMON = new Set(["url", "timeoutSeconds", "maxLatencyMs"]);

const listOr = (items: readonly string[]) =>
  items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;

/** Why a URL names no probe kind, or the kind's own reason it cannot be probed. */
function urlProblem(kinds: ProbeKindRegistry, value: string): string | undefined {
  const expected = `must be an absolute ${listOr(kinds.flatMap((k) => k.urlForms))} URL`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return expected;
  }
  const kind = kindOfUrl(kinds, url.href);
  return kind ? kind.checkUrl(url) : expected;
}

/** The probe schema: typed by the common fields alone, since the kinds are known at run time. */
export function probeSchemaFor(kinds: ProbeKindRegistry): z.ZodType<ProbeSettings, ProbeInput> {
  const expected = `must be an absolute ${listOr(kinds.flatMap((k) => k.urlForms))} URL`;
  const url = z
    .string({ error: expected })
    .superRefine((value, ctx) => {
      const problem = urlProblem(kinds, value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .refine(
      (v) => !hasCredentials(v),
      "must not contain a user name or password; put credentials in a header with a secret reference",
    )
    .describe(`What to probe: ${kinds.map((k) => k.urlHelp).join(", or ")}.`);
  // Each kind's fields, their help text saying which kinds they apply to (when not all).
  const fields: Record<string, z.ZodType> = {};
  for (const kind of kinds)
    for (const [name, field] of Object.entries(kind.fields)) {
      if (fields[name]) continue;
      const takers = kindsWithField(kinds, name);
      fields[name] =
        takers.length === kinds.length
          ? field
          : field.describe(
              `${field.description ?? ""} Applies to ${takers.map((k) => k.label).join(", ")} probes only.`.trim(),
            );
    }
  return z
    .strictObject({
      url,
      timeoutSeconds: seconds("probe timeout", 0.1, 60)
        .optional()
        .describe("Timeout for one probe. Defaults to `policy.probeTimeoutSeconds`."),
      maxLatencyMs: count(1, 600_000)
        .optional()
        .describe(
          "A probe slower than this (in total; for tcp://, to connect) is a `too-slow` failure.",
        ),
      ...fields,
    })
    .describe("How an observer checks a target.");
}

/**
 * A probe's fields that do not apply to its kind, and its kind's own rules (every kind's, when
 * the URL names none, so that a mistyped scheme hides no other problem).
 */
export function checkProbe(kinds: ProbeKindRegistry, probe: RawProbe, report: ReportProblem): void {
  const url = probe["url"];
  const kind = typeof url === "string" ? kindOfUrl(kinds, url) : undefined;
  if (kind)
    for (const key of Object.keys(probe)) {
      if (COMMON.has(key) || Object.hasOwn(kind.fields, key) || probe[key] === undefined) continue;
      const takers = kindsWithField(kinds, key);
      if (takers.length)
        report(
          [key],
          `applies to ${takers.map((k) => k.label).join(", ")} probes only, not ${kind.label}`,
        );
    }
  for (const each of kind ? [kind] : kinds) each.check?.(probe, report);
}
