// What a lever provider is: one folder per kind of lever (Traffic Manager, Front Door, AKS...),
// exporting one of these. The composition root builds levers from them, the configuration schema
// takes each one's settings, the permissions and role definitions come from their operations, and
// the ARM emulator loads their emulated services. Adding a kind of lever is one folder and one
// line in registry.ts.
import type { z } from "zod";
import type { ArmConnection } from "../adapters/azure/arm.js";
import type { ClusterControl } from "../ports/cluster-control.js";
import type { DataControl } from "../ports/data-control.js";
import type { Log } from "../ports/log.js";
import type { TrafficRouter } from "../ports/traffic-router.js";
import type { Witness } from "../ports/witness.js";

/** One Azure Resource Manager call a provider makes, with the permission it needs. */
export interface ArmOperation {
  /** The Azure RBAC action, e.g. `Microsoft.Network/trafficManagerProfiles/read`. */
  readonly action: string;
  readonly method: "GET" | "PUT" | "PATCH" | "POST" | "DELETE";
  /** The request path, with `{name}` for each part, from the subscription down. */
  readonly path: string;
  /** What Tandem does with it, in a few words (for docs/permissions.md). */
  readonly why: string;
}

/** A provider's settings as the configuration holds them: its `kind`, and its own fields. */
export type LeverSettings = { readonly kind: string } & Readonly<Record<string, unknown>>;

/** The schema of a provider's settings: a strict object whose `kind` is the provider's. */
export type SettingsSchema = z.ZodObject<{ kind: z.ZodType<string, string | undefined> }>;

/** What a provider's factory gets besides its own settings. */
export interface LeverContext {
  /** How to reach Azure Resource Manager (endpoint, identity, retries). */
  readonly conn: ArmConnection;
  readonly log: Log;
}

/** A group whose traffic lever is of this provider's kind. */
export interface TrafficGroup<S> {
  readonly name: string;
  readonly settings: S;
  /** Region name to the region's member in the lever (endpoint, origin...). */
  readonly members: ReadonlyMap<string, string>;
}

/** What every lever provider declares, whatever its role. */
interface LeverProvider<S> {
  /** The `kind` that names it in the configuration. */
  readonly kind: string;
  /** Its name for people, e.g. "Azure Traffic Manager". */
  readonly title: string;
  /** Its settings, with `kind` and the help text of each field. */
  readonly schema: SettingsSchema;
  /** Every ARM call it makes: its permissions, role definitions and emulated routes. */
  readonly operations: readonly ArmOperation[];
  /** The resources a group's settings name, that its permissions are scoped to. */
  scopes(settings: S): readonly string[];
  /** What `scopes` names, in words (for docs/permissions.md). */
  readonly scopeDescription: string;
  /**
   * The resource type of what `scopes` names, e.g. `Microsoft.Cdn/profiles/originGroups`. The
   * deployment assigns the kind's role there and names the assignment from the resource's id
   * spelled with this type, so a kind keeps its spelling once deployed (a changed spelling is a
   * new assignment name, which ARM refuses beside the old one as RoleAssignmentExists).
   */
  readonly scopeType: string;
  /**
   * The module (URL) with its emulated service, for the sandbox's ARM emulator and tests. Named,
   * not imported, so that the Function App never loads it.
   */
  readonly emulator?: string;
}

/**
 * A traffic lever (`groups[].traffic`). What it can do, and how its changes propagate, its router
 * says (`TrafficRouter.capabilities`): the runbook and plans read that, per group.
 */
export interface TrafficProvider<S extends LeverSettings = LeverSettings> extends LeverProvider<S> {
  readonly role: "traffic";
  /** Builds its lever for every group of its kind; may load its SDK now, not before. */
  create(
    groups: readonly TrafficGroup<S>[],
    context: LeverContext,
  ): Promise<{ readonly router: TrafficRouter; readonly witness?: Witness }>;
}

/** A region whose cluster is of this provider's kind. */
export interface ClusterMember<S> {
  readonly group: string;
  readonly region: string;
  readonly settings: S;
}

/**
 * A wake lever (`groups[].regions[].cluster`; the first provider's kind is the default). Its
 * settings include `nodePools` (the pools to scale when the region is woken).
 */
export interface ClusterProvider<S extends LeverSettings = LeverSettings> extends LeverProvider<S> {
  readonly role: "cluster";
  /** How long starting a stopped cluster takes, as drills assume it (ms). */
  readonly startMs?: number;
  create(members: readonly ClusterMember<S>[], context: LeverContext): Promise<ClusterControl>;
}

/** A data store of a group (`groups[].data[]`) that is of this provider's kind. */
export interface DataMember<S> {
  readonly group: string;
  /** The store's name in the group (`groups[].data[].name`). */
  readonly store: string;
  readonly settings: S;
  /** The group's regions, in the configuration's order. */
  readonly regions: readonly string[];
}

/**
 * A data lever (`groups[].data[]`): a store whose primary follows the group's traffic. Its
 * settings include `allowDataLoss` (whether a forced failover may ever be asked for).
 */
export interface DataProvider<S extends LeverSettings = LeverSettings> extends LeverProvider<S> {
  readonly role: "data";
  /** How long a planned failover usually takes, as drills assume it (ms). */
  readonly failoverMs?: number;
  /**
   * The command a person runs to make `region` the store's primary by hand (the Azure CLI's
   * spelling), for the page Tandem sends when it refuses to: `forced` allows data loss; undefined
   * when the settings name nothing there (the page then says it in words).
   */
  byHand?(settings: S, region: string, mode: "planned" | "forced"): string | undefined;
  /**
   * The kind's rules about the group's regions, on a store's settings as written (not yet
   * parsed: any field may be missing or of the wrong type): each problem's path is within the
   * store's settings. A store keyed by region that names another region, or two regions that
   * would read as one, would make the step report data where it is not.
   */
  check?(
    settings: Readonly<Record<string, unknown>>,
    regions: readonly string[],
  ): readonly { readonly path: readonly (string | number)[]; readonly message: string }[];
  create(members: readonly DataMember<S>[], context: LeverContext): Promise<DataControl>;
}

export type Provider = TrafficProvider | ClusterProvider | DataProvider;

/** Every provider Tandem knows, by role. */
export interface ProviderRegistry {
  readonly traffic: readonly TrafficProvider[];
  readonly clusters: readonly ClusterProvider[];
  readonly data: readonly DataProvider[];
}

/** The settings a provider's schema gives it. */
type SettingsOf<Z extends SettingsSchema> = z.output<Z> & LeverSettings;

/** A provider's declaration: its role is the declaring function's, its settings its schema's. */
type Declared<P, Z> = Omit<P, "role" | "schema"> & { readonly schema: Z };

/**
 * Declares a traffic provider, typed by the settings its schema gives. Its settings reach it
 * only through that schema, so the registry may hold it as a provider of any settings: its
 * methods take them (method parameters are compared both ways, which lets the narrower provider
 * stand for the wider without a cast).
 */
export function trafficProvider<Z extends SettingsSchema>(
  p: Declared<TrafficProvider<SettingsOf<Z>>, Z>,
): TrafficProvider {
  const provider: TrafficProvider<SettingsOf<Z>> = { role: "traffic", ...p };
  return provider;
}

/** Declares a cluster provider, typed by the settings its schema gives (as trafficProvider). */
export function clusterProvider<Z extends SettingsSchema>(
  p: Declared<ClusterProvider<SettingsOf<Z>>, Z>,
): ClusterProvider {
  const provider: ClusterProvider<SettingsOf<Z>> = { role: "cluster", ...p };
  return provider;
}

/** Declares a data provider, typed by the settings its schema gives (as trafficProvider). */
export function dataProvider<Z extends SettingsSchema>(
  p: Declared<DataProvider<SettingsOf<Z>>, Z>,
): DataProvider {
  const provider: DataProvider<SettingsOf<Z>> = { role: "data", ...p };
  return provider;
}
