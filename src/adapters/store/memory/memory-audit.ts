// The audit log in memory, for tests and the simulator: the action log kept in the order the
// Table adapter's keys give (newest first), each incident's entries beside it, refused calls per
// caller and minute with the same cap, and the same retention.
import type {
  ActionRecord,
  AuditStore,
  Page,
  PageQuery,
  PruneQuery,
  Pruned,
  RefusedCalls,
} from "../../../ports/audit-store.js";
import { OTHERS, mergeRefused } from "../../../ports/audit-store.js";
import { callerKey, isOthers } from "../refused-counts.js";

const MINUTE_MS = 60_000;
const pad = (n: number, digits: number) => String(n).padStart(digits, "0");
/** Later times sort first: ids are the Table adapter's keys' shape (ADR 0017). */
const invertedTime = (at: number) => pad(999_999_999_999_999 - Math.max(0, Math.floor(at)), 15);
const invertedMinute = (minute: number) =>
  pad(999_999_999_999 - Math.floor(Math.max(0, minute) / MINUTE_MS), 12);

/** The first index of a list sorted by id whose id sorts after `id`. */
function after(list: readonly { readonly id?: string }[], id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.id! <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function page<T extends { readonly id?: string }>(list: readonly T[], query: PageQuery): Page<T> {
  const start = query.before === undefined ? 0 : after(list, query.before);
  const rows = list.slice(start, start + query.limit + 1);
  const entries = rows.slice(0, query.limit);
  return { entries, ...(rows.length > query.limit ? { next: entries.at(-1)!.id! } : {}) };
}

export class MemoryAuditLog implements AuditStore {
  /** Newest first, as the ids sort. */
  #log: ActionRecord[] = [];
  readonly #byIncident = new Map<string, ActionRecord[]>();
  /** Per minute: the callers admitted (the first `callersPerMinute`), and the others' row. */
  readonly #refused = new Map<
    number,
    { callers: Map<string, RefusedCalls>; others?: RefusedCalls }
  >();
  #sequence = 0;

  async appendAction(entry: ActionRecord): Promise<void> {
    const sequence = pad(999_999_999 - (++this.#sequence % 1_000_000_000), 9);
    const stored = Object.freeze({ ...entry, id: `${invertedTime(entry.at)}-${sequence}` });
    this.#log.splice(after(this.#log, stored.id), 0, stored);
    if (entry.incident !== undefined) {
      const list = this.#byIncident.get(entry.incident) ?? [];
      list.splice(after(list, stored.id), 0, stored);
      this.#byIncident.set(entry.incident, list);
    }
  }

  async readActions(): Promise<ActionRecord[]> {
    return [...this.#log].reverse();
  }

  async readActionPage(
    query: PageQuery & { readonly incident?: string },
  ): Promise<Page<ActionRecord>> {
    const list =
      query.incident === undefined ? this.#log : (this.#byIncident.get(query.incident) ?? []);
    return page(list, query);
  }

  async addRefusedCalls(
    calls: readonly RefusedCalls[],
    options: { readonly callersPerMinute: number },
  ): Promise<void> {
    for (const call of calls) {
      const minute = Math.floor(call.minute / MINUTE_MS) * MINUTE_MS;
      const { id: _id, ...counted } = { ...call, minute };
      const m = this.#refused.get(minute) ?? { callers: new Map<string, RefusedCalls>() };
      this.#refused.set(minute, m);
      const key = callerKey(call.actor, call.from);
      const known = m.callers.get(key);
      if (known) m.callers.set(key, mergeRefused(known, counted));
      else if (!isOthers(counted) && m.callers.size < options.callersPerMinute)
        m.callers.set(key, counted);
      else {
        const asOthers = { ...counted, actor: OTHERS, from: "" };
        m.others = m.others ? mergeRefused(m.others, asOthers) : asOthers;
      }
    }
  }

  async readRefusedCalls(query: PageQuery): Promise<Page<RefusedCalls>> {
    const rows: RefusedCalls[] = [];
    for (const [minute, m] of this.#refused) {
      const prefix = invertedMinute(minute);
      for (const [key, row] of m.callers) rows.push({ ...row, id: `${prefix}-${key}` });
      if (m.others) rows.push({ ...m.others, id: `${prefix}-${OTHERS}` });
    }
    return page(
      rows.sort((a, b) => (a.id! < b.id! ? -1 : 1)),
      query,
    );
  }

  async pruneAudit(query: PruneQuery): Promise<Pruned> {
    const before = Math.floor(query.before);
    let oldest: number | undefined;
    let newest: number | undefined;
    const saw = (at: number) => {
      oldest = Math.min(oldest ?? at, at);
      newest = Math.max(newest ?? at, at);
    };
    // The log is newest first: what is older than the horizon is at its end.
    let cut = this.#log.length;
    while (cut > 0 && this.#log.length - cut < query.maxRows && this.#log[cut - 1]!.at < before)
      saw(this.#log[--cut]!.at);
    const gone = this.#log.slice(cut);
    this.#log = this.#log.slice(0, cut);
    const goneIds = new Set(gone.map((a) => a.id));
    for (const [incident, list] of this.#byIncident) {
      const kept = list.filter((a) => !goneIds.has(a.id));
      if (kept.length === 0) this.#byIncident.delete(incident);
      else this.#byIncident.set(incident, kept);
    }
    const moreActions = cut > 0 && this.#log[cut - 1]!.at < before;

    // Refused-call minutes, oldest first, row by row up to the limit (of this partition alone).
    let refusedRows = 0;
    let refusedCalls = 0;
    let moreRefused = false;
    const old = [...this.#refused]
      .filter(([minute]) => minute + MINUTE_MS <= before)
      .sort((a, b) => a[0] - b[0]);
    for (const [minute, m] of old)
      for (const key of [...m.callers.keys(), ...(m.others ? [OTHERS] : [])]) {
        if (refusedRows === query.maxRows) {
          moreRefused = true;
          break;
        }
        const row = key === OTHERS ? m.others! : m.callers.get(key)!;
        if (key === OTHERS) delete m.others;
        else m.callers.delete(key);
        if (m.callers.size === 0 && !m.others) this.#refused.delete(minute);
        refusedRows++;
        refusedCalls += row.count;
        saw(minute);
      }
    const more = moreActions || moreRefused;
    return {
      actions: gone.length,
      moved: 0,
      refusedRows,
      refusedCalls,
      ...(oldest === undefined ? {} : { oldest, newest: newest! }),
      more,
    };
  }
}
