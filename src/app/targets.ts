// Everything an observer probes, built once from the configuration at start-up: each region of
// each group and each group's entry point, with secrets resolved and CA files read, so that a
// missing file or setting stops start-up instead of failing every tick.
import { ENTRY_POINT } from "../core/observation.js";
import type { ConfigProblem, Environment, ProbeConfig, TandemConfig } from "../config/index.js";
import { formatPath, resolveSecret, SecretError } from "../config/index.js";
import type { ProbeRequest, StatusRange } from "../ports/prober.js";

export interface Target {
  readonly group: string;
  /** A region name, or ENTRY_POINT. */
  readonly target: string;
  readonly request: ProbeRequest;
}

const MAX_REDIRECTS = 5;

export function statusRange(spec: number | string): StatusRange {
  if (typeof spec === "number") return { from: spec, to: spec };
  const klass = /^([1-5])xx$/.exec(spec);
  if (klass) return { from: Number(klass[1]) * 100, to: Number(klass[1]) * 100 + 99 };
  const [from, to = from] = spec.split("-").map(Number) as [number, number?];
  return { from, to };
}

export type ReadText = (path: string) => Promise<string>;

interface Built {
  readonly request?: ProbeRequest;
  readonly problems: ConfigProblem[];
}

async function buildRequest(
  probe: ProbeConfig,
  path: (string | number)[],
  config: TandemConfig,
  env: Environment,
  readText: ReadText,
): Promise<Built> {
  const timeoutMs = Math.round((probe.timeoutSeconds ?? config.policy.probeTimeoutSeconds) * 1000);
  const url = new URL(probe.url);
  if (url.protocol === "tcp:")
    return {
      request: {
        kind: "tcp",
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: Number(url.port),
        timeoutMs,
      },
      problems: [],
    };

  const problems: ConfigProblem[] = [];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(probe.headers)) {
    try {
      // Settings often end in a newline when pasted; a header value may not contain one.
      const resolved = value.startsWith("env:") ? resolveSecret(value, env).trim() : value;
      if (/[\r\n\0]/.test(resolved))
        problems.push({
          path: formatPath([...path, "headers", name]),
          message: "the value contains a line break",
        });
      else headers[name] = resolved;
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      problems.push({
        path: formatPath([...path, "headers", name]),
        message: `refers to app setting ${error.setting}, which is not set or is empty`,
      });
    }
  }
  let ca: string[] | undefined;
  if (probe.caFile !== undefined) {
    try {
      ca = [await readText(probe.caFile)];
      if (!ca[0]!.includes("-----BEGIN CERTIFICATE-----"))
        problems.push({
          path: formatPath([...path, "caFile"]),
          message: `${probe.caFile} holds no PEM certificate`,
        });
    } catch (error) {
      problems.push({
        path: formatPath([...path, "caFile"]),
        message: `${probe.caFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      });
    }
  }
  const request: ProbeRequest = {
    kind: "http",
    url: probe.url,
    method: probe.method,
    headers,
    ...(probe.tlsServerName === undefined ? {} : { tlsServerName: probe.tlsServerName }),
    expectStatus: probe.expectStatus.map(statusRange),
    ...(probe.body === undefined ? {} : { body: probe.body }),
    ...(probe.maxLatencyMs === undefined ? {} : { maxLatencyMs: probe.maxLatencyMs }),
    maxRedirects: probe.redirects === "follow" ? MAX_REDIRECTS : 0,
    timeoutMs,
    ...(ca === undefined ? {} : { ca }),
    certificateWarningDays: probe.certificateWarningDays,
    keepAlive: probe.keepAlive,
  };
  return { request, problems };
}

/** Every target, or every problem that stops them from being built. */
export async function buildTargets(
  config: TandemConfig,
  env: Environment,
  readText: ReadText,
): Promise<{ targets: Target[]; problems: ConfigProblem[] }> {
  const targets: Target[] = [];
  const problems: ConfigProblem[] = [];
  for (const [gi, group] of config.groups.entries()) {
    const probes: [string, ProbeConfig, (string | number)[]][] = group.regions.map((region, ri) => [
      region.name,
      region.probe,
      ["groups", gi, "regions", ri, "probe"],
    ]);
    if (group.entryPoint)
      probes.push([ENTRY_POINT, group.entryPoint, ["groups", gi, "entryPoint"]]);
    for (const [target, probe, path] of probes) {
      const built = await buildRequest(probe, path, config, env, readText);
      problems.push(...built.problems);
      if (built.request) targets.push({ group: group.name, target, request: built.request });
    }
  }
  return { targets, problems };
}

/** The control probe of an observer: a plain GET that must answer 2xx. */
export function controlRequest(config: TandemConfig, observer: string): ProbeRequest | undefined {
  const url = config.observers.find((o) => o.region === observer)?.controlUrl;
  if (url === undefined) return undefined;
  return {
    kind: "http",
    url,
    method: "GET",
    headers: {},
    expectStatus: [{ from: 200, to: 299 }],
    maxRedirects: MAX_REDIRECTS,
    timeoutMs: Math.round(config.policy.probeTimeoutSeconds * 1000),
    certificateWarningDays: 0,
    keepAlive: false,
  };
}
