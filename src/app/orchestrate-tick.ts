// One orchestrate tick of one observer: take or renew the lease; read what the observers agree
// on; and, only as lease holder, keep each region's verdict (down, recovering, healthy...) in the
// store through a fenced step. Later, the failover runbook advances here. A tick never throws.
import type { RegionEvidence, RegionState } from "../core/verdict.js";
import { nextRegionState } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type { KeptStates, StoreCallOptions } from "../ports/state-store.js";
import type { AgreementView } from "./agreement.js";
import { entryHealthy, observeAgreement } from "./agreement.js";
import { runbookTick } from "./runbook-tick.js";
import type { Incident } from "../core/incident.js";
import type { Refusal } from "../core/runbook.js";
import { runFenced } from "./fence.js";
import type { LeaseStatus } from "./lease-keeper.js";
import { tickLease } from "./lease-keeper.js";
import type { Runtime } from "./runtime.js";

export interface GroupDecision {
  readonly group: string;
  readonly evidence: readonly RegionEvidence[];
  /** The kept verdicts, when this process holds the lease and could record them. */
  readonly states?: Readonly<Record<string, RegionState>>;
  /** The group's open (or just closed) incident, as the lease holder left it. */
  readonly incident?: Incident;
  /** A safety rule that holds an action back. */
  readonly refusal?: Refusal;
}

export interface OrchestrateResult {
  readonly observer: string;
  readonly lease: LeaseStatus;
  readonly groups: readonly GroupDecision[];
  readonly stalePeers: readonly string[];
  readonly problems: readonly string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function changed(before: RegionState | undefined, after: RegionState): boolean {
  return (
    before === undefined ||
    before.verdict !== after.verdict ||
    before.epoch !== after.epoch ||
    before.recoveringSince !== after.recoveringSince
  );
}

async function keepVerdicts(
  rt: Runtime,
  view: AgreementView["groups"][number],
  epoch: number,
  problems: string[],
  call: StoreCallOptions,
): Promise<Record<string, RegionState> | undefined> {
  const group = view.group;
  const dwellMs = effectivePolicy(rt.config, group).dwellSeconds * 1000;
  let kept: KeptStates;
  try {
    kept = await rt.store.readRegionStates(group.name, call);
  } catch (error) {
    problems.push(message(error));
    return undefined;
  }
  const previous = kept.states;
  const now = rt.clock.now();
  const next: Record<string, RegionState> = {};
  for (const evidence of view.evidence)
    next[evidence.region] = nextRegionState(
      previous[evidence.region],
      evidence,
      now,
      epoch,
      dwellMs,
    );
  if (!Object.entries(next).some(([region, state]) => changed(previous[region], state)))
    return previous;

  // Conditional on the version read: a stale holder's late write cannot overwrite a newer one.
  const result = await runFenced(
    rt,
    { name: "record-verdicts", group: group.name },
    (abortSignal) => rt.store.writeRegionStates(group.name, next, kept.etag, { abortSignal }),
  );
  if (!result.ok) {
    problems.push(`${group.name}: verdicts not recorded: ${result.reason}`);
    return undefined;
  }
  return next;
}

export async function runOrchestrateTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<OrchestrateResult> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const lease = await tickLease(rt, call);
  const problems: string[] = lease.problem ? [lease.problem] : [];

  let view: AgreementView;
  try {
    view = await observeAgreement(rt, call);
  } catch (error) {
    problems.push(`${message(error)}: no action this tick`);
    return { observer: rt.observer, lease, groups: [], stalePeers: [], problems };
  }
  problems.push(...view.problems);

  const groups: GroupDecision[] = [];
  for (const g of view.groups) {
    const states =
      lease.leader && lease.epoch !== undefined
        ? await keepVerdicts(rt, g, lease.epoch, problems, call)
        : undefined;
    // The runbook acts only on verdicts it could record in this epoch.
    const runbook =
      states && lease.epoch !== undefined
        ? await runbookTick(
            rt,
            g.group,
            g.evidence,
            states,
            entryHealthy(view, g),
            lease.epoch,
            call,
          )
        : undefined;
    if (runbook) problems.push(...runbook.problems);
    groups.push({
      group: g.group.name,
      evidence: g.evidence,
      ...(states ? { states } : {}),
      ...(runbook?.incident ? { incident: runbook.incident } : {}),
      ...(runbook?.refusal ? { refusal: runbook.refusal } : {}),
    });
  }
  return { observer: rt.observer, lease, groups, stalePeers: view.stalePeers, problems };
}
