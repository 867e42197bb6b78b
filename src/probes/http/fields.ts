// The fields of an http or https probe, each declared once with its rule, default and help text.
// The configuration's probe schema takes them from here (tandem.schema.json and
// docs/configuration.md are generated from it).
import * as z from "zod";
import { JSON_PATH_PATTERN } from "../../config/json-path.js";
import { count } from "../../config/fields.js";
import type { CommonProbeSettings } from "../types.js";

const STATUS_SPEC_PATTERN = /^([1-5]\d\d|[1-5]xx|[1-5]\d\d-[1-5]\d\d)$/;

const bodySchema = z.strictObject({
  contains: z.string().min(1).optional().describe("The body must contain this text."),
  matches: z
    .string()
    .min(1)
    .optional()
    .describe("The body must match this regular expression (JavaScript syntax)."),
  json: z
    .array(
      z.strictObject({
        path: z
          .string({ error: "must be a JSON path" })
          .regex(JSON_PATH_PATTERN, "must be a JSON path like $.status or $.checks[0].ok")
          .describe("Path into the JSON body: `$`, then `.name` or `[index]` steps."),
        equals: z.unknown().optional().describe("The value at the path must equal this."),
        exists: z.boolean().optional().describe("The path must exist (true) or must not (false)."),
      }),
    )
    .optional()
    .describe("Conditions on the JSON body; all must hold."),
});

export const HTTP_FIELDS = {
  method: z.enum(["GET", "HEAD", "POST", "OPTIONS"]).default("GET").describe("HTTP method."),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be an HTTP header name"),
      z.string().regex(/^[^\r\n\0]*$/, "must not contain line breaks"),
    )
    .default({})
    .describe(
      "Request headers, for example `Host` to present the public host name when probing a regional ingress by address. A value may be a secret reference (`env:NAME`); credentials (Authorization, Cookie, keys, tokens) must be.",
    ),
  tlsServerName: z
    .string()
    .regex(
      /^[A-Za-z0-9*]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
      "must be a host name",
    )
    .optional()
    .describe(
      "Host name sent in TLS SNI and checked against the certificate, when the URL names an address or a private name. Defaults to the URL's host name.",
    ),
  expectStatus: z
    .array(
      z.union([
        z.number().int().min(100).max(599),
        z.string().regex(STATUS_SPEC_PATTERN, 'must be a status such as 200, "2xx" or "200-399"'),
      ]),
    )
    .min(1)
    .default(["200-299"])
    .describe('Statuses that count as up: numbers, "2xx"-style classes or "200-399"-style ranges.'),
  body: bodySchema
    .optional()
    .describe("Conditions on the answer's body; all must hold. The first 1 MiB is checked."),
  redirects: z
    .enum(["none", "follow"])
    .default("none")
    .describe(
      "`none`: a redirect is judged by `expectStatus` like any answer; `follow`: follow up to 5 redirects and judge the last answer.",
    ),
  caFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM file of extra CA certificates to trust for this target, besides the system's (a path relative to the configuration file; to the working directory when the configuration does not come from a file).",
    ),
  certificateWarningDays: count(0, 365)
    .default(14)
    .describe("A certificate in the served chain that expires within this many days is a warning."),
  keepAlive: z
    .boolean()
    .default(false)
    .describe(
      "Reuse a kept-alive connection between probes. Off by default: a probe that rides a warm socket hides connect and TLS failures.",
    ),
};

/** An http or https probe's settings, parsed. */
export type HttpProbeSettings = CommonProbeSettings & z.output<z.ZodObject<typeof HTTP_FIELDS>>;
