// Everything an observer probes, built once from the configuration at start-up: each region of
// each group and each group's entry point, with secrets resolved and CA files read, so that a
// missing file or setting stops start-up instead of failing every tick.
import { ENTRY_POINT } from "../core/observation.js";
import type { ConfigProblem, Environment, ProbeConfig, TandemConfig } from "../config/index.js";
import { formatPath } from "../config/index.js";
import type { ProbeRequest } from "../ports/prober.js";
import { kindOfUrl } from "../probes/registry.js";
import type { BuiltRequest, ProbeKindRegistry } from "../probes/types.js";
import { getRequest } from "../probes/http/request.js";

export interface Target {
  readonly group: string;
  /** A region name, or ENTRY_POINT. */
  readonly target: string;
  readonly request: ProbeRequest;
}

export type ReadText = (path: string) => Promise<string>;

/** A target's request, built by the kind its URL names (the configuration has checked there is one). */
async function buildRequest(
  probe: ProbeConfig,
  path: (string | number)[],
  config: TandemConfig,
  env: Environment,
  readText: ReadText,
  kinds: ProbeKindRegistry,
): Promise<BuiltRequest<ProbeRequest>> {
  const timeoutMs = Math.round((probe.timeoutSeconds ?? config.policy.probeTimeoutSeconds) * 1000);
  const kind = kindOfUrl(kinds, probe.url);
  if (!kind)
    return {
      problems: [{ path: formatPath([...path, "url"]), message: "names no known probe kind" }],
    };
  return kind.request(probe, new URL(probe.url), { path, timeoutMs, env, readText });
}

/** Every target, or every problem that stops them from being built. */
export async function buildTargets(
  config: TandemConfig,
  env: Environment,
  readText: ReadText,
  kinds: ProbeKindRegistry,
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
      const built = await buildRequest(probe, path, config, env, readText, kinds);
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
  return getRequest(url, Math.round(config.policy.probeTimeoutSeconds * 1000));
}
