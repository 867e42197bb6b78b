// HTTP and HTTPS as a probe kind: one request (and same-origin redirects, if allowed), timed by
// phase, the certificate chain checked, the status and body judged. Its implementation
// (probe.ts, node:http and node:https) loads on the first http or https probe.
import type { ProbeKind } from "../types.js";
import type { HttpProbeSettings } from "./fields.js";
import { HTTP_FIELDS } from "./fields.js";
import type { HttpProbeRequest } from "./request.js";
import { httpRequest } from "./request.js";
import { checkHttpProbe } from "./rules.js";

export const http = {
  kind: "http",
  title: "HTTP and HTTPS",
  schemes: ["https", "http"],
  urlForms: ["https", "http"],
  urlHelp: "an http or https URL",
  label: "http and https",
  // The WHATWG URL parser takes any http(s) URL with a host; nothing more to check.
  checkUrl: () => undefined,
  fields: HTTP_FIELDS,
  check: checkHttpProbe,
  files: (settings) => (settings.caFile === undefined ? [] : [settings.caFile]),
  request: (settings, _url, context) => httpRequest(settings, context),
  load: async () => (await import("./probe.js")).httpRunner,
  standIn: new URL("./stand-in.js", import.meta.url).href,
} satisfies ProbeKind<HttpProbeRequest, HttpProbeSettings>;
