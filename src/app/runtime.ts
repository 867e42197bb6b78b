// What a use case runs with: the validated configuration, this observer's identity and the ports.
// Built by src/compose.ts; tests build it with fakes.
import type { TandemConfig } from "../config/schema.js";
import type { Clock } from "../ports/clock.js";
import type { Log } from "../ports/log.js";
import type { LeaseMemory } from "../core/lease.js";
import type { Heartbeat, Observation } from "../core/observation.js";
import { EMPTY_LEASE_MEMORY } from "../core/lease.js";
import type { Events } from "../ports/events.js";
import type { Telemetry } from "../ports/telemetry.js";
import { noTelemetry } from "../ports/telemetry.js";
import type { ArmBudget } from "../ports/arm-budget.js";
import type { WitnessSignal } from "../core/verdict.js";
import type { LeverWork } from "./lever-view.js";
import type { PeerMemory } from "../core/liveness.js";
import type { ProbeRequest, Prober } from "../ports/prober.js";
import type { StateStore } from "../ports/state-store.js";
import type { Witness } from "../ports/witness.js";
import type { DataControl } from "../ports/data-control.js";
import type { DataByHand } from "./situation.js";
import type { ClusterControl } from "../ports/cluster-control.js";
import type { TrafficRouter } from "../ports/traffic-router.js";
import type { Target } from "./targets.js";
import type { PeerProbeAnswer, Peers } from "../ports/peers.js";
import type { DryRunFactory, LeverEstimates } from "../ports/dry-run.js";
import type { Principal } from "./auth.js";
import type { SigningKeys } from "../ports/signing-keys.js";
import type { AlertMemory, AlertSetup } from "./alerts/setup.js";
import { freshAlertMemory } from "./alerts/setup.js";
import type { RefusedMemory } from "./refused-calls.js";
import { freshRefusedMemory } from "./refused-calls.js";
import type { RetentionMemory } from "./audit-retention.js";
import { freshRetentionMemory } from "./audit-retention.js";

/**
 * What this process remembers between its ticks, by concern. Lost on restart, which only makes it
 * wait longer before acting, read again what it had, or say a change again.
 */
export interface ProcessMemory {
  /** This observer's ticks and its own rows (probe-tick.ts, observer-tick.ts). */
  observer: ObserverMemory;
  /** The lease holder's lanes of decision (orchestrate-tick.ts, runbook-tick.ts). */
  decisions: DecisionMemory;
  /** What it has seen of the lease (lease-keeper.ts). */
  lease: LeaseMemory;
  /** What it has seen of its peers' heartbeats. */
  peers: PeerMemory;
  /** What this process last said in events that report a change, so each change is said once. */
  said: SaidMemory;
  /** The alert deliveries of this process (the run in progress, marks still to write). */
  alerts: AlertMemory;
  /** Lever reads and effects in flight, per group (see lever-view.ts). */
  levers: Map<string, LeverWork>;
  /** Refused API calls counted and not written yet (see refused-calls.ts). */
  refused: RefusedMemory;
  /** The audit log's prune, when this process holds the lease (see audit-retention.ts). */
  retention: RetentionMemory;
  /** The witness's last answers, per group, with their time (see agreement.ts). */
  witness: Map<
    string,
    { readonly at: number; readonly signals: ReadonlyMap<string, WitnessSignal> }
  >;
}

interface ObserverMemory {
  /** This process's probe ticks so far. */
  seq: number;
  /**
   * This observer's rows as its last tick wrote them, with the heartbeat's version: the next tick
   * continues its run counts from them without reading the store, and writes conditionally on
   * that version (another process of the same observer writing in between makes it read again).
   * Undefined until read, and after a write that failed.
   */
  rows?: {
    readonly version: string;
    readonly observations: ReadonlyMap<string, Observation>;
    /** The heartbeat as written with them: a peer's request to probe now writes in its tick. */
    readonly heartbeat?: Heartbeat;
  };
  /** The write of this observer's rows in progress: one at a time (its tick, a peer's request). */
  writing?: Promise<unknown>;
  /** Peers' requests to probe a region in progress, by region: a second one joins the first. */
  peerProbes: Map<string, Promise<PeerProbeAnswer>>;
}

interface DecisionMemory {
  /**
   * The lease holder's decisions (its tick, a peer's request) keep verdicts one at a time, and
   * run runbook steps one at a time, in two lanes: a verdict never waits for a runbook step that
   * waits on Azure. Undefined while the lane is idle.
   */
  keeping?: Promise<unknown>;
  deciding?: Promise<unknown>;
  /** How many decisions have taken their runbook steps: a state read before the count moved is stale. */
  stepsTaken?: number;
  /** The last refusal recorded per group, so a standing refusal is audited once, not every tick. */
  refusals: Map<string, string>;
}

export interface SaidMemory {
  /** The epoch this process last acted in, if it holds the lease. */
  leader?: { readonly holder: string; readonly epoch: number };
  /** Peers last reported stale. */
  stale: ReadonlySet<string>;
  /** The tick of each stale peer's last heartbeat, as said when it went stale. */
  staleBeats: Map<string, string>;
  /** When this process first looked at its peers' heartbeats (its own clock). */
  watchingSince?: number;
  /** The store was last said unreachable. */
  storeDown: boolean;
  /** Operations in a row that could not reach the store, and the latest of them. */
  storeFailures?: { readonly count: number; readonly operation: string };
  /** `group/region` last seen in a split view. */
  splitViews: ReadonlySet<string>;
  /** Days left last reported per `group/target` certificate. */
  certificates: Map<string, number>;
  /** Orchestrate ticks so far, for their operation ids. */
  orchestrations: number;
}

export const ownKey = (group: string, target: string) => `${group}|${target}`;

export const freshMemory = (): ProcessMemory => ({
  observer: { seq: 0, peerProbes: new Map() },
  decisions: { refusals: new Map() },
  lease: EMPTY_LEASE_MEMORY,
  peers: new Map(),
  levers: new Map(),
  witness: new Map(),
  said: {
    stale: new Set(),
    staleBeats: new Map(),
    storeDown: false,
    splitViews: new Set(),
    certificates: new Map(),
    orchestrations: 0,
  },
  alerts: freshAlertMemory(),
  refused: freshRefusedMemory(),
  retention: freshRetentionMemory(),
});

export interface Runtime {
  readonly config: TandemConfig;
  /** The region of the observer this process runs as. */
  readonly observer: string;
  /** Unique per process: two processes of one observer are two contenders for the lease. */
  readonly instance: string;
  readonly store: StateStore;
  readonly witness: Witness;
  /** What the runbook moves traffic and clusters with, and what it plans with. */
  readonly levers: Levers;
  /** What this observer probes, with what, and how it asks its peers to probe. */
  readonly probing: Probing;
  /** Who may call the operator API, and how callers are recognised. */
  readonly auth: AuthSettings;
  readonly memory: ProcessMemory;
  readonly clock: Clock;
  readonly log: Log;
  /** Where use cases say what happened; subscribers print, alert and send telemetry. */
  readonly events: Events;
  /** Records for Azure Monitor (absent: none are made; see telemetryOf). */
  readonly telemetry?: Telemetry;
  /** The alert channels and how alerts are delivered (no channels: nothing is written or sent). */
  readonly alerts: AlertSetup;
  readonly version: string;
}

/** The levers and what goes with them: used by the runbook, the planner and the lever reads. */
export interface Levers {
  /** The traffic lever; without one the runbook refuses to act ("no-lever"). */
  readonly router?: TrafficRouter;
  /** Starts and stops the groups' clusters (cold standby); absent: no cluster lever. */
  readonly clusters?: ClusterControl;
  /** Moves the groups' data stores' primaries (`groups[].data[]`); absent: no data lever. */
  readonly data?: DataControl;
  /** What a person runs to move a store by hand, as its kind spells it (for refusals' pages). */
  readonly dataByHand?: DataByHand;
  /** What ARM reports of its read budget (absent: no Azure levers, or not reported). */
  readonly armBudget?: ArmBudget;
  /** Levers that change nothing, over the real ones: for dry runs and drills. */
  readonly dryRun?: DryRunFactory;
  /** How long the slow parts are expected to take, for plans and drills. */
  readonly estimates?: LeverEstimates;
}

/** What this observer probes and with what: used by the probe tick and peers' probe requests. */
export interface Probing {
  /** What this observer probes, built from the configuration at start-up. */
  readonly targets: readonly Target[];
  /** This observer's control probe, if it has one. */
  readonly control?: ProbeRequest;
  readonly prober: Prober;
  /** How this observer asks the others to probe now; none: they learn at their next tick. */
  readonly peers?: Peers;
}

export interface AuthSettings {
  /** Access tokens: accepted only when these say what a valid one is. */
  readonly bearer?: TokenRules;
  readonly readerRole: string;
  readonly operatorRole: string;
  /** The app role of the observers' own identities: they may ask this one to probe now. */
  readonly observerRole: string;
  /** A principal for callers that present nothing: the sandbox's, never set in Azure. */
  readonly local?: Principal;
}

/** What makes a bearer token valid here (docs/adr/0016-auth-verifies-tokens.md). */
export interface TokenRules {
  readonly issuer: string;
  readonly audience: string;
  /** The client applications (`azp`, or `appid` in version 1 tokens) whose tokens count. */
  readonly clientApps: readonly string[];
  /** Tokens issued (`iat`) longer ago are refused, whatever their `exp`. */
  readonly maxAgeSeconds: number;
  /** The issuer's public keys: discovered and cached, or listed in the configuration. */
  readonly keys: SigningKeys;
}

/** The id this process holds the lease under. */
export const holderId = (rt: Pick<Runtime, "observer" | "instance">) =>
  `${rt.observer}#${rt.instance}`;

/** The runtime's telemetry, or one that goes nowhere. */
export const telemetryOf = (rt: Pick<Runtime, "telemetry">): Telemetry =>
  rt.telemetry ?? noTelemetry;
