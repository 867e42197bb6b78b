// A TCP probe's request: the host and port of a tcp://host:port URL.
import type { ProbeRequest } from "../../ports/prober.js";
import type { CommonProbeSettings } from "../types.js";

export interface TcpProbeRequest extends ProbeRequest {
  readonly kind: "tcp";
  readonly host: string;
  readonly port: number;
  /** Connecting slower than this is a `too-slow` failure. */
  readonly maxLatencyMs?: number;
}

/** Why a tcp URL cannot be probed; undefined when it can. */
export function checkTcpUrl(url: URL): string | undefined {
  if (url.hostname === "" || url.port === "" || (url.pathname !== "" && url.pathname !== "/"))
    return "must be tcp://host:port: a host name or address and a port, and nothing after them";
  return undefined;
}

export function tcpRequest(
  settings: CommonProbeSettings,
  url: URL,
  timeoutMs: number,
): TcpProbeRequest {
  return {
    kind: "tcp",
    url: settings.url,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port),
    timeoutMs,
    ...(settings.maxLatencyMs === undefined ? {} : { maxLatencyMs: settings.maxLatencyMs }),
  };
}
