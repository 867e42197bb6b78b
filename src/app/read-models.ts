// What people and scripts read besides the status: incidents, one incident with its audit
// entries, the audit log by pages; and the group lookup every operator answer starts from.
import type { Incident } from "../core/incident.js";
import type { GroupConfig } from "../config/schema.js";
import type { ActionRecord } from "../ports/state-store.js";
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

export async function findIncident(rt: Runtime, id: string): Promise<Incident | undefined> {
  return (await listIncidents(rt)).find((i) => i.id === id);
}

/** An incident with who did what for it: the holders' fenced steps and the operators' commands. */
export interface IncidentDetail extends Incident {
  readonly actions: readonly ActionRecord[];
}

export async function incidentDetail(rt: Runtime, id: string): Promise<IncidentDetail | undefined> {
  const incident = await findIncident(rt, id);
  if (!incident) return undefined;
  const actions = (await rt.store.readActions()).filter((a) => a.incident === id);
  return { ...incident, actions };
}

export interface AuditPage {
  readonly entries: readonly ActionRecord[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  readonly next?: string;
}

/**
 * The audit log, newest first, `limit` at a time. The cursor is an entry's id (its place in the
 * log), so an entry written meanwhile never shifts a page: it is never shown twice.
 */
export async function auditPage(rt: Runtime, limit: number, before?: string): Promise<AuditPage> {
  const all = (await rt.store.readActions())
    .filter((a) => a.id !== undefined && (before === undefined || a.id < before))
    .sort((a, b) => (a.id! < b.id! ? 1 : -1));
  const entries = all.slice(0, limit);
  return { entries, ...(all.length > limit ? { next: entries.at(-1)!.id! } : {}) };
}
