// The step that moves a group's data stores (Azure SQL failover groups, Cosmos DB accounts) to the
// region its traffic goes to: just before traffic moves, or once it has moved, as the group says.
// Each tick it reads every store, asks once per store per incident (the incident records the ask,
// so a takeover waits for Azure rather than asking again), and moves on only when the target is
// every store's primary. Safety: a planned failover only to a copy that has caught up, a forced
// one only where the store allows data loss and its primary cannot be reached; anything else is
// refused, saying why and what a person can run by hand (docs/data.md). Pure.
import type { DataAsk, Incident } from "./incident.js";
import { moveTo, noted } from "./incident.js";
import type { DataState } from "./levers.js";
import type {
  DataPolicy,
  Effect,
  Refusal,
  RunbookGroup,
  RunbookResult,
  RunbookStore,
  Situation,
} from "./runbook.js";
import type { StepContext } from "./runbook-step-context.js";
import { healthy } from "./runbook-rules.js";
import type { EventBody } from "./events.js";

/** How data follows traffic where the group does not say (the reasoning is in docs/data.md). */
export const DATA_POLICY_DEFAULTS: DataPolicy = {
  order: "before-traffic",
  onDataFailure: "shift-traffic",
  failback: "manual",
};

const dataPolicyOf = (group: RunbookGroup): DataPolicy => group.dataPolicy ?? DATA_POLICY_DEFAULTS;

/** How many asks of the data step may fail for sure before its store is given up. */
export const DATA_ASKS_MAX = 3;

/**
 * Whether the incident asked a store to move (or may have: a record of asks that did not read
 * back). From then on traffic follows the data: an automatic failover is no longer aborted when
 * its source recovers, which would leave the data where the traffic is not.
 */
export const dataMaybeMoved = (incident: Incident): boolean =>
  mayHaveStarted(incident).length > 0 || incident.dataAskedUnreadable === true;

/** The stores whose ask may have started: asked, and not known to have failed before it did. */
const mayHaveStarted = (incident: Incident): string[] =>
  Object.keys(incident.dataAsked ?? {}).filter(
    (store) => incident.dataFailed?.[store] === undefined,
  );

/** How many of this step's asks of `store` the store (or the lever's rules) refused. */
const storeRefusals = (incident: Incident, store: string): number =>
  incident.history.filter(
    (line) =>
      line.refused === true &&
      line.step === incident.step &&
      line.at >= incident.stepStartedAt &&
      line.note.startsWith(`data-failover ${store} `),
  ).length;

/**
 * Whether this incident moves the group's data: every failover of a group with stores, and a
 * failback a person (or a practice, returning to where it started) asked for; an automatic
 * failback only when the group's data policy says `failback: "with-traffic"`.
 */
function movesData(group: RunbookGroup, incident: Incident): boolean {
  if (!group.data?.length || group.model === "active-active") return false;
  if (incident.shift.kind !== "promote") return false;
  if (incident.kind === "failover" || incident.trigger !== "automatic") return true;
  return dataPolicyOf(group).failback === "with-traffic";
}

/** Whether traffic stays where it is when the data does not move (data first only). */
const holdsTraffic = (group: RunbookGroup, incident: Incident): boolean =>
  dataFirst(group, incident) &&
  (dataPolicyOf(group).onDataFailure === "hold-traffic" || incident.trigger === "practice");

/** Whether the data step comes before the traffic shift for this incident. */
const dataFirst = (group: RunbookGroup, incident: Incident): boolean =>
  movesData(group, incident) && dataPolicyOf(group).order === "before-traffic";

/**
 * The step that shifts traffic (with its own note), or the data step first when the group's data
 * goes first (`reason`, if any, saying why the incident moves on).
 */
export function towardsTraffic(
  c: StepContext,
  trafficNote: string,
  reason?: string,
): RunbookResult {
  const { group, incident } = c;
  return dataFirst(group, incident)
    ? c.step(
        "moving-data",
        `${reason ? `${reason}; ` : ""}moving data to ${incident.to} first: ${storeNames(group)}`,
      )
    : c.step("shifting-traffic", trafficNote);
}

/** The end of a verified traffic shift: done, or the data follows now (data after traffic). */
export function afterTraffic(c: StepContext, note: string): RunbookResult {
  const { group, incident } = c;
  return movesData(group, incident) && !dataFirst(group, incident)
    ? c.step("moving-data", `${note}; now moving data to ${incident.to}: ${storeNames(group)}`)
    : c.step("completed", note);
}

const storeNames = (group: RunbookGroup) => (group.data ?? []).map((d) => d.name).join(", ");

/** One store's part of the step: done, waiting (why), asking (the effect), or refused (why). */
type StoreStep =
  | { readonly kind: "done" }
  | { readonly kind: "waiting"; readonly note: string }
  | { readonly kind: "ask"; readonly mode: "planned" | "forced" }
  | { readonly kind: "refused"; readonly why: string };

/** What a person can run to make `region` the store's primary, or the same in words. */
function byHand(store: RunbookStore, region: string, mode: "planned" | "forced"): string {
  const command = store.byHand?.[region]?.[mode];
  return command
    ? `by hand: ${command}`
    : `by hand: make ${region} the primary of ${store.name}${mode === "forced" ? ", allowing data loss" : ""}`;
}

/** Where one store stands towards making `target` its primary, and what the step may do about it. */
function storeStep(
  store: RunbookStore,
  state: DataState | undefined,
  incident: Incident,
  target: string,
  kept: Situation["kept"],
): StoreStep {
  const name = store.name;
  if (!state) return { kind: "waiting", note: `${name} cannot be read` };
  if (state.changing)
    return { kind: "waiting", note: `${name} is changing its primary; waiting for Azure` };
  if (state.primary === target) return { kind: "done" };
  // Nothing of it to move (multi-region writes: its writes follow traffic on their own).
  if (state.unmovable !== undefined) return { kind: "done" };
  const asked = incident.dataAsked?.[name];
  // Asked once in this incident, by this holder or an earlier one: wait, never ask again (a
  // second ask while Azure still works on the first is a conflict, or a second failover). Only an
  // ask known not to have started is asked again (after the backoff): a new ask clears its
  // store's `dataFailed` in the same write, so no clocks of two holders are compared.
  if (asked && incident.dataFailed?.[name] === undefined)
    return {
      kind: "waiting",
      note: `${name}: asked to make ${target} its primary (${asked.mode}); waiting for Azure`,
    };
  // Refused by the store again and again (the lever's check of its state, or Azure's 4xx): it is
  // given up, not asked until the timeout (each ask is a page saying it was asked). Failures that
  // may pass on their own (the lever's read before sending) are asked again, not counted.
  const refusals = asked ? storeRefusals(incident, name) : 0;
  if (asked && refusals >= DATA_ASKS_MAX)
    return {
      kind: "refused",
      why: `${name} refused ${refusals} asks to make ${target} its primary (the incident's history has each answer); ${byHand(store, target, asked.mode)}`,
    };
  if (!asked && incident.dataAskedUnreadable)
    return {
      kind: "waiting",
      note: `${name}: the incident's record of asks could not be read back; taken as asked, waiting for Azure`,
    };
  if (state.primary === undefined)
    return { kind: "waiting", note: `${name}: its primary cannot be told` };
  const copy = state.regions[target];
  if (!copy) return { kind: "refused", why: `${name} has no copy in ${target}` };
  // A read that names a primary but says nothing of its copy is partial: nothing is decided on it
  // (least of all that the primary is lost).
  const primaryCopy = state.regions[state.primary];
  if (!primaryCopy)
    return {
      kind: "waiting",
      note: `${name}: the read says nothing of its primary's copy in ${state.primary}`,
    };
  const primaryReachable = primaryCopy.reachable;
  if (primaryReachable && copy.caughtUp) return { kind: "ask", mode: "planned" };
  if (primaryReachable)
    return {
      kind: "waiting",
      note: `${name}'s copy in ${target} has not caught up (${copy.replication ?? "not replicating"}${copy.lagSeconds === undefined ? "" : `, ${copy.lagSeconds} s behind`})`,
    };
  // One process's read of one server is not enough to decide on: the observers must agree that
  // the primary's region is down too, before a forced failover and before the step gives up on a
  // planned one (a single failed read would otherwise page for the data-losing command).
  if (kept[state.primary] !== "down")
    return {
      kind: "waiting",
      note: `${name}'s primary copy in ${state.primary} cannot be reached, but ${state.primary} is ${kept[state.primary] ?? "unknown"}, not down: no forced failover`,
    };
  if (!store.allowDataLoss)
    return {
      kind: "refused",
      why: `${name}'s primary copy in ${state.primary} cannot be reached: a planned failover needs it, and a forced one may lose the writes not yet replicated, which the store's allowDataLoss does not allow; ${byHand(store, target, "forced")}`,
    };
  if (incident.trigger === "practice")
    return {
      kind: "refused",
      why: `${name}'s primary copy in ${state.primary} cannot be reached, and a practice failover never forces one (writes not yet replicated would be lost); ${byHand(store, target, "forced")}`,
    };
  if (!copy.reachable)
    return { kind: "waiting", note: `${name}'s copy in ${target} cannot be reached either` };
  return { kind: "ask", mode: "forced" };
}

/**
 * Moves every data store's primary to the incident's target. Moves on when all are there; asks
 * for those not asked yet; waits while Azure changes them; refuses (naming the rule `data-loss`)
 * what it may not do safely, and then traffic goes as the group's `onDataFailure` says.
 */
export function movingData(c: StepContext): RunbookResult {
  const { group, incident, s, policy, stay } = c;
  const target = incident.to;
  const first = dataFirst(group, incident);
  // Before traffic moves, an automatic failover's reason must still hold (as in shifting-traffic).
  const source = incident.from;
  if (
    first &&
    incident.kind === "failover" &&
    incident.trigger === "automatic" &&
    source !== undefined &&
    s.kept[source] !== "down" &&
    !dataMaybeMoved(incident)
  )
    return c.step(
      "aborted",
      `${source} is ${s.kept[source] ?? "unknown"} again before traffic moved: no failover`,
    );
  // A store refused earlier in this incident is settled: told once, never asked again in it.
  const settled = incident.dataRefused ?? {};
  const stores = (group.data ?? []).filter((store) => settled[store.name] === undefined);
  const steps = stores.map((store) => ({
    store,
    step: storeStep(store, s.data?.[store.name], incident, target, s.kept),
  }));
  const refused = steps.flatMap(({ store, step }) =>
    step.kind === "refused" ? [[store.name, step.why] as const] : [],
  );
  const open = steps.filter(({ step }) => step.kind !== "done" && step.kind !== "refused");
  // One store refused: the others still follow traffic, where traffic goes anyway (shift-traffic,
  // or data after traffic); the refused one is told now. Where traffic would stay (hold-traffic,
  // a practice), the step ends at once: moving the others would leave them where traffic is not.
  if (refused.length > 0 && (open.length === 0 || holdsTraffic(group, incident)))
    return notMoved(c, Object.fromEntries(refused));
  if (refused.length > 0) {
    const why = Object.fromEntries(refused);
    const note = `${Object.keys(why).join(", ")} not moved (${Object.values(why).join("; ")}); moving the others to ${target}`;
    return {
      incident: noted({ ...incident, dataRefused: { ...settled, ...why } }, s.now, s.epoch, note),
      opened: false,
      effects: [],
      refusal: { rule: "data-loss", reason: Object.values(why).join("; ") },
    };
  }
  if (open.length === 0) {
    // Every store is where it can be: those refused on the way were told when they were.
    if (Object.keys(settled).length > 0) return notMoved(c, {}, false);
    return first
      ? c.step(
          "shifting-traffic",
          `${target} is the primary of ${storeNames(group)}; shifting traffic: ${incident.shift.kind} ${incident.shift.region}`,
        )
      : c.step(
          "completed",
          `the lever shows the new routing, and ${target} is the primary of ${storeNames(group)}`,
        );
  }
  // On the wall clock, ARM's slowness included: the bound is how long traffic waits for its data
  // (data first), or how long a person waits to hear it did not follow (data after).
  const limit = policy.dataTimeoutMs ?? policy.stepTimeoutMs;
  if (c.sinceStep > limit)
    return notMoved(
      c,
      Object.fromEntries(
        open.map(
          ({ store, step }) =>
            [
              store.name,
              `${store.name} did not make ${target} its primary within ${Math.round(limit / 1000)} s (${step.kind === "waiting" ? step.note : "not asked"}); ${byHand(store, target, "planned")}`,
            ] as const,
        ),
      ),
    );
  // One ask per tick: an effect still running at the tick's end holds the group's later effects,
  // and an ask on record that was never sent would leave its store waiting for the timeout.
  const ask = steps.find(({ step }) => step.kind === "ask");
  const waiting = steps.flatMap(({ step }) => (step.kind === "waiting" ? [step.note] : []));
  if (!ask || ask.step.kind !== "ask")
    return stay(`moving data to ${target}: ${waiting.join("; ")}`);
  // Data moves only to a region that is healthy now (the shift's rule, unhealthy-target), whatever
  // the order: data first, else it would sit on a sick region and traffic stay where it was; data
  // after traffic (or an automatic failback carrying it), a target that turned sick since its
  // traffic was verified is no place to lose writes to or pause them for. The step waits, and its
  // timeout pages a person.
  // The kept verdict must vouch for it too (healthy, or recovering in its dwell: every outside
  // observer past the success threshold): this tick's evidence may rest on one observer alone,
  // and a forced failover is not undone.
  const kept = s.kept[target];
  const vouched =
    kept === "healthy" || (kept === "recovering" && (s.dwelling ?? []).includes(target));
  if ((!healthy(s, target) || !vouched) && !incident.override)
    return stay(
      `moving data to ${target}: not asked, ${target} is ${healthy(s, target) ? `kept ${kept ?? "unknown"}${kept === "recovering" ? " short of its dwell" : ""}` : (s.evidence[target] ?? "unknown")}, not healthy: its data waits for it to be${waiting.length ? `; ${waiting.join("; ")}` : ""}`,
    );
  const { store } = ask;
  const { mode } = ask.step;
  const effect: Effect = { kind: "data-failover", store: store.name, region: target, mode };
  const asked = noted(
    incident,
    s.now,
    s.epoch,
    `asking ${store.name} to make ${target} its primary (${mode})`,
  );
  const dataAsked: Record<string, DataAsk> = {
    ...incident.dataAsked,
    [store.name]: { region: target, mode, at: s.now, epoch: s.epoch },
  };
  const { [store.name]: _failed, ...dataFailed } = incident.dataFailed ?? {};
  const { dataFailed: _all, ...rest } = asked;
  return {
    incident: { ...rest, dataAsked, ...(Object.keys(dataFailed).length ? { dataFailed } : {}) },
    opened: false,
    effects: [effect],
  };
}

/**
 * Some stores could not be moved: recorded on the incident (a person is paged with what to run),
 * and traffic goes as the group's `onDataFailure` says: data first, it shifts anyway
 * (`shift-traffic`) or the incident fails with routing as it was (`hold-traffic`); data after,
 * traffic has moved already and the incident completes with the stores named.
 */
function notMoved(
  c: StepContext,
  why: Readonly<Record<string, string>>,
  fresh = true,
): RunbookResult {
  const { group, incident, s } = c;
  const policy = dataPolicyOf(group);
  // Stores refused on an earlier tick were told then; the note names them with the new ones.
  const all = { ...incident.dataRefused, ...why };
  const stores = Object.keys(all).join(", ");
  const refusal: Refusal = { rule: "data-loss", reason: Object.values(why).join("; ") };
  const recorded: Incident = { ...incident, dataRefused: all };
  const end = (step: "shifting-traffic" | "completed" | "failed", note: string): RunbookResult => ({
    incident: moveTo(recorded, step, s.now, s.epoch, note),
    opened: false,
    effects: [],
    // Refusals told on an earlier tick are not refused (audited) again.
    ...(fresh ? { refusal } : {}),
  });
  if (!dataFirst(group, incident))
    return end(
      "completed",
      `traffic moved to ${incident.to}, but not the data of ${stores}: ${Object.values(all).join("; ")}`,
    );
  if (policy.onDataFailure === "hold-traffic")
    return end(
      "failed",
      `the data of ${stores} did not move: ${Object.values(all).join("; ")}; traffic held (onDataFailure: hold-traffic); routing left as it was`,
    );
  // A practice has no outage to justify sending users to a region whose data is elsewhere.
  if (incident.trigger === "practice")
    return end(
      "failed",
      `the data of ${stores} did not move: ${Object.values(all).join("; ")}; traffic held (a practice never moves traffic without its data); routing left as it was`,
    );
  return end(
    "shifting-traffic",
    `the data of ${stores} did not move: ${Object.values(all).join("; ")}; traffic moves anyway (onDataFailure: shift-traffic): shifting traffic: ${incident.shift.kind} ${incident.shift.region}`,
  );
}

/**
 * The data events an incident's new version tells of (ADR 26): each store asked to move, each
 * store the step did not move, once each (the incident records both, so a rewrite repeats none),
 * and, when the incident ends failed or aborted, each store it had asked to move: its data may now
 * be where the traffic is not, and a person is paged with the command to move it back (`stores`,
 * the group's, spell it).
 */
export function dataEvents(
  before: Incident | undefined,
  after: Incident,
  stores: readonly RunbookStore[] = [],
): EventBody[] {
  const asked = Object.entries(after.dataAsked ?? {})
    .filter(([store, ask]) => before?.dataAsked?.[store]?.at !== ask.at)
    .map(([store, ask]): EventBody => ({
      type: "data.failover-asked",
      group: after.group,
      incident: after.id,
      store,
      region: ask.region,
      mode: ask.mode,
      askedAt: ask.at,
    }));
  const refused = Object.entries(after.dataRefused ?? {})
    .filter(([store]) => before?.dataRefused?.[store] === undefined)
    .map(([store, reason]): EventBody => ({
      type: "data.refused",
      group: after.group,
      incident: after.id,
      store,
      region: after.to,
      reason,
    }));
  return [...asked, ...refused, ...stranded(before, after, stores)];
}

function stranded(
  before: Incident | undefined,
  after: Incident,
  stores: readonly RunbookStore[],
): EventBody[] {
  const ended = after.step === "failed" || after.step === "aborted";
  if (!ended || before?.step === after.step) return [];
  const back = after.from;
  // A stored record of asks that did not read back may have held any store: each is told.
  const unread = after.dataAskedUnreadable
    ? stores
        .filter((store) => after.dataAsked?.[store.name] === undefined)
        .map(
          (store) =>
            [
              store.name,
              { region: after.to, mode: "unknown: the record of asks did not read back" },
            ] as const,
        )
    : [];
  // An ask known not to have started (its store's dataFailed) moved nothing.
  const started = Object.entries(after.dataAsked ?? {}).filter(
    ([store]) => after.dataFailed?.[store] === undefined,
  );
  const asked = [...started, ...unread];
  return asked.map(([name, ask]): EventBody => {
    const store = stores.find((s) => s.name === name) ?? { name, allowDataLoss: false };
    const command =
      back === undefined
        ? "by hand: make the region it was on its primary again"
        : byHand(store, back, "planned");
    return {
      type: "data.stranded",
      group: after.group,
      incident: after.id,
      store: name,
      region: ask.region,
      reason: `${name} ${ask.mode.startsWith("unknown") ? "may have been" : "was"} asked to make ${ask.region} its primary (${ask.mode}), and the incident ${after.step === "failed" ? "failed" : "was aborted"} (${after.history.at(-1)?.note ?? "no note"}): its primary may be in ${ask.region} while traffic is not; to move it back once it is safe, ${command}`,
    };
  });
}
