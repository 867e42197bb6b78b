// `tandem readiness [GROUP]`: each group's failover readiness as the lease holder last judged it,
// with every check's verdict, evidence and fix (docs/readiness.md). Exits 1 when a group shown is
// not ready, so that a script or a pipeline can gate on it.
import type { GroupStatus, StatusView } from "../../app/api/types.js";
import { EXIT, call } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";

const MARK = { ready: "ok ", "not-ready": "NOT", unknown: " ? " } as const;

function formatGroup(g: GroupStatus): string {
  const r = g.readiness;
  if (!r)
    return `${g.name}: no readiness checks yet (the lease holder runs them every few minutes)`;
  const lines = [
    `${g.name}: ${r.verdict} (checked ${r.ageSeconds} s ago, primary ${r.primary ?? "?"})`,
  ];
  for (const c of r.checks) {
    lines.push(`  [${MARK[c.verdict]}] ${c.check}${c.region ? ` ${c.region}` : ""}: ${c.evidence}`);
    if (c.fix) lines.push(`        fix: ${c.fix}`);
  }
  return lines.join("\n");
}

export async function readiness({ positional, api, print }: CommandContext) {
  if (positional.length > 1) throw new Usage("readiness takes at most one GROUP");
  const { body } = await call<StatusView>(api, "GET", "/api/status");
  const wanted = positional[0];
  const groups = body.groups.filter((g) => wanted === undefined || g.name === wanted);
  if (wanted !== undefined && groups.length === 0) {
    throw new Usage(
      `no group ${wanted} (groups: ${body.groups.map((g) => g.name).join(", ") || "none"})`,
    );
  }
  print(
    groups.map(formatGroup).join("\n\n"),
    groups.map((g) => ({ group: g.name, readiness: g.readiness })),
  );
  return groups.some((g) => g.readiness?.verdict === "not-ready") ? EXIT.failed : EXIT.ok;
}
