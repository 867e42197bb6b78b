// Everything an observer probes: each region of each group, and each group's entry point.
import { ENTRY_POINT } from "../core/observation.js";
import type { ProbeConfig, TandemConfig } from "../config/schema.js";

export interface Target {
  readonly group: string;
  /** A region name, or ENTRY_POINT. */
  readonly target: string;
  readonly url: string;
  readonly timeoutMs: number;
}

export function probeTargets(config: TandemConfig): Target[] {
  const timeoutMs = (probe: ProbeConfig) =>
    Math.round((probe.timeoutSeconds ?? config.policy.probeTimeoutSeconds) * 1000);
  return config.groups.flatMap((group) => [
    ...group.regions.map((region) => ({
      group: group.name,
      target: region.name,
      url: region.probe.url,
      timeoutMs: timeoutMs(region.probe),
    })),
    ...(group.entryPoint
      ? [
          {
            group: group.name,
            target: ENTRY_POINT,
            url: group.entryPoint.url,
            timeoutMs: timeoutMs(group.entryPoint),
          },
        ]
      : []),
  ]);
}
