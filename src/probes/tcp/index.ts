// TCP as a probe kind: a connection opens within the timeout, for dependencies that do not speak
// HTTP. Its implementation (probe.ts, node:net) loads on the first tcp probe.
import type { ProbeKind } from "../types.js";
import type { TcpProbeRequest } from "./request.js";
import { checkTcpUrl, tcpRequest } from "./request.js";

export const tcp = {
  kind: "tcp",
  title: "TCP connect",
  schemes: ["tcp"],
  urlForms: ["tcp://host:port"],
  urlHelp: "tcp://host:port to check that a connection opens",
  label: "tcp://",
  checkUrl: checkTcpUrl,
  fields: {},
  request: async (settings, url, context) => ({
    request: tcpRequest(settings, url, context.timeoutMs),
    problems: [],
  }),
  load: async () => (await import("./probe.js")).tcpRunner,
  standIn: new URL("./stand-in.js", import.meta.url).href,
} satisfies ProbeKind<TcpProbeRequest>;
