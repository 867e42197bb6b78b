// What people and scripts read besides the status: incidents, one incident with its audit
// entries, the audit log and the refused calls by pages; and the group lookup every operator
// answer starts from.
import type { Incident } from "../core/incident.js";
import type { GroupConfig } from "../config/schema.js";
import type { ActionRecord, Page, PageQuery, RefusedCalls } from "../ports/audit-store.js";
import type { Runtime } from "./runtime.js";
import { shortName } from "../config/strict-json.js";

export function findGroup(rt: Runtime, name: string): GroupConfig | undefined {
  return rt.config.groups.find((g) => g.name === name);
}

/** "no group "x"; groups: a, b": the one wording of an unknown group (its name shortened). */
export function noSuchGroup(rt: Runtime, name: string): string {
  return `no group "${shortName(name)}"; groups: ${rt.config.groups.map((g) => g.name).join(", ")}`;
}

/** Every incident, newest first, optionally of one group. */
export async function listIncidents(rt: Runtime, group?: string): Promise<Incident[]> {
  const groups =
    group === undefined ? rt.config.groups : rt.config.groups.filter((g) => g.name === group);
  const all = await Promise.all(groups.map((g) => rt.store.readIncidents(g.name)));
  return all
    .flat()
    .map((s) => s.incident)
    .sort((a, b) => b.openedAt - a.openedAt || b.id.localeCompare(a.id));
}

/** One point read per group, whatever the number of incidents. */
export async function findIncident(rt: Runtime, id: string): Promise<Incident | undefined> {
  const found = await Promise.all(rt.config.groups.map((g) => rt.store.readIncident(g.name, id)));
  return found.find((s) => s !== undefined)?.incident;
}

/** An incident with who did what for it: the holders' fenced steps and the operators' commands. */
export interface IncidentDetail extends Incident {
  /** The incident's latest audit entries (up to the page's limit), oldest first. */
  readonly actions: readonly ActionRecord[];
  /** Earlier entries exist: pass this as `before` for the page before these. */
  readonly actionsBefore?: string;
}

/** One incident, and a page of its audit entries: the incident's own rows, not the whole log. */
export async function incidentDetail(
  rt: Runtime,
  id: string,
  page: PageQuery = { limit: 100 },
): Promise<IncidentDetail | undefined> {
  const [incident, actions] = await Promise.all([
    findIncident(rt, id),
    rt.store.readActionPage({ ...page, incident: id }),
  ]);
  if (!incident) return undefined;
  return {
    ...incident,
    actions: [...actions.entries].reverse(),
    ...(actions.next === undefined ? {} : { actionsBefore: actions.next }),
  };
}

/**
 * The audit log, newest first, `limit` at a time, read by key range (ADR 0017). The cursor is an
 * entry's id (its place in the log), so an entry written meanwhile never shifts a page.
 */
export function auditPage(rt: Runtime, page: PageQuery): Promise<Page<ActionRecord>> {
  return rt.store.readActionPage(page);
}

/** API calls refused before they did anything, counted per caller and minute, newest first. */
export function refusedPage(rt: Runtime, page: PageQuery): Promise<Page<RefusedCalls>> {
  return rt.store.readRefusedCalls(page);
}
