// A probe kind that exists only for tests, in this folder alone: echo://host:port sends a line
// over TCP and passes when the same line comes back. It has its URL scheme, its own field
// (`message`), a lazily loaded implementation and a stand-in; registered through
// withProbeKinds(), nothing in src/ knows it.
import type { ProbeKind } from "../../../src/probes/types.js";
import type { EchoProbeRequest, EchoSettings } from "./request.js";
import { ECHO_FIELDS } from "./request.js";

/** How many times its implementation was loaded (once, on the first echo probe). */
export let loads = 0;

export const echo = {
  kind: "echo",
  title: "Echo (a test kind)",
  schemes: ["echo"],
  urlForms: ["echo://host:port"],
  urlHelp: "echo://host:port to check that a line comes back",
  label: "echo://",
  checkUrl: (url) =>
    url.hostname === "" || url.port === "" ? "must be echo://host:port" : undefined,
  fields: ECHO_FIELDS,
  request: async (settings, url, context) => ({
    request: {
      kind: "echo",
      url: settings.url,
      host: url.hostname,
      port: Number(url.port),
      message: settings.message,
      timeoutMs: context.timeoutMs,
    },
    problems: [],
  }),
  load: async () => {
    loads++;
    return (await import("./probe.js")).echoRunner;
  },
  standIn: new URL("./stand-in.js", import.meta.url).href,
} satisfies ProbeKind<EchoProbeRequest, EchoSettings>;
