// The status page of a deployment with many groups (ADR 0031): one line per group that needs a
// person (a region not healthy, an open incident, automation paused, a routing a person chose),
// then the other groups as links, a page of them at a time; each group's own page
// (`?group=name`) has its regions, timelines and history. At 1,000 groups of the longest names
// the page stays under issue 31's 100 KB.
import { isOpen } from "../core/incident.js";
import { escape } from "./html.js";
import type { GroupStatus, RegionStatus } from "./status.js";

/** Groups shown in full on one page; above this, the page is this summary. */
export const FULL_PAGE_GROUPS = 10;
/** Lines of groups that need a person; the rest are counted. */
const ATTENTION_SHOWN = 100;
/** Links to the other groups on one page of the summary. */
const GROUPS_PER_PAGE = 250;

const link = (group: string) =>
  `<a href="?group=${encodeURIComponent(group)}">${escape(group)}</a>`;

const regionWord = (r: RegionStatus) => (r.coldStandby ? "cold standby" : r.verdict);

/** Why the group needs a person, or undefined when it does not. */
function attention(g: GroupStatus): string | undefined {
  const why = [
    ...g.regions
      .filter((r) => r.verdict !== "healthy" && !r.coldStandby)
      .map((r) => `${r.name} ${r.verdict}`),
    ...(g.incident && isOpen(g.incident)
      ? [`${g.incident.kind} to ${g.incident.to}: ${g.incident.step}`]
      : []),
    ...(g.pause ? [`automation paused by ${g.pause.by}`] : []),
    ...(g.manualRouting ? [`routing held on ${g.manualRouting.to}`] : []),
  ];
  return why.length ? why.join("; ") : undefined;
}

function attentionRow(g: GroupStatus, why: string): string {
  const regions = g.regions.map((r) => `${escape(r.name)} ${escape(regionWord(r))}`).join(", ");
  return `<tr class="attention" data-group="${escape(g.name)}"><th>${link(g.name)}</th><td>${escape(g.routing?.serving.join(" and ") || "unknown")}</td><td>${regions}</td><td>${escape(why)}</td></tr>`;
}

/** The summary of every group; `page` (from 1) chooses which of the other groups are listed. */
export function groupsSummary(groups: readonly GroupStatus[], page: number): string {
  const needing = groups.flatMap((g) => {
    const why = attention(g);
    return why === undefined ? [] : [{ g, why }];
  });
  const others = groups.filter((g) => attention(g) === undefined);
  const pages = Math.max(1, Math.ceil(others.length / GROUPS_PER_PAGE));
  const shown = Math.min(Math.max(1, page), pages);
  const first = (shown - 1) * GROUPS_PER_PAGE;
  const listed = others.slice(first, first + GROUPS_PER_PAGE);
  const rows = needing
    .slice(0, ATTENTION_SHOWN)
    .map(({ g, why }) => attentionRow(g, why))
    .join("");
  const more =
    needing.length > ATTENTION_SHOWN
      ? `<p class="note">and ${needing.length - ATTENTION_SHOWN} more groups not shown here: each group's page has them.</p>`
      : "";
  const table = needing.length
    ? `<table><thead><tr><th>group</th><th>primary</th><th>regions</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>${more}`
    : "<p>None.</p>";
  const nav =
    pages > 1
      ? `<p class="pages">Pages: ${Array.from({ length: pages }, (_, i) =>
          i + 1 === shown ? `<b>${i + 1}</b>` : `<a href="?page=${i + 1}">${i + 1}</a>`,
        ).join(" ")}</p>`
      : "";
  const range = listed.length
    ? `${first + 1} to ${first + listed.length} of ${others.length}`
    : "none";
  return `<section class="summary"><p>${groups.length} groups: each group's page (its regions, the last hour per observer, its history) is at <code>?group=</code> and its name.</p><h2>Needing attention (${needing.length})</h2>${table}<h2>Every region healthy or at rest (${range})</h2><p class="groups">${listed.map((g) => link(g.name)).join(" ")}</p>${nav}</section>`;
}
