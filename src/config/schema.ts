// Every setting of tandem.config.json is declared here once, with its rule, default and help
// text. tandem.schema.json and docs/configuration.md are generated from these declarations
// (`npm run gen`). Rules that span fields live in rules.ts.
import * as z from "zod";
import type { NodePoolSize } from "../core/levers.js";
import { DATA_POLICY_DEFAULTS } from "../core/runbook-data-steps.js";
import { PROVIDERS } from "../providers/registry.js";
import type { LeverSettings, ProviderRegistry, SettingsSchema } from "../providers/types.js";
import {
  API_ROLE_DEFAULTS,
  API_TOKEN_DEFAULTS,
  POLICY_DEFAULTS,
  READINESS_DEFAULTS,
  TELEMETRY_DEFAULTS,
} from "./defaults.js";
import { AZURE_REGIONS_CHECKED } from "./azure-regions.js";
import { count, httpUrl, httpsUrl, name, secretRef, seconds } from "./fields.js";
import { PROBE_KINDS } from "../probes/registry.js";
import type { ProbeKindRegistry, ProbeSettings } from "../probes/types.js";
import { probeSchemaFor } from "./probe-schema.js";
import type { Severity } from "../core/alerts.js";
import { parseCron } from "../core/cron.js";
import { ALERT_TYPES, SEVERITIES, isAlertPattern } from "../core/alerts.js";
import { CHANNEL_KINDS } from "../channels/registry.js";
import type { ChannelKindRegistry } from "../channels/types.js";

export const DEPLOYMENT_MODELS = ["active-active", "active-passive", "passive-cold"] as const;
export const REGION_ROLES = ["active", "primary", "secondary"] as const;

export const observerSchema = z
  .strictObject({
    region: name("region").describe(
      "Azure region this observer's Function App runs in (for example `westeurope`). Each observer is identified by its region.",
    ),
    controlUrl: httpUrl
      .optional()
      .describe(
        "A URL that should always answer 2xx from this observer (outside every monitored application). When it fails too, the observer is impaired and its failures are not evidence against targets.",
      ),
  })
  .describe(
    "A monitoring region: one Function App that probes every target and takes part in agreement.",
  );

export const stateStoreSchema = z
  .strictObject({
    table: z
      .string({ error: "must be a table name" })
      .regex(
        /^[A-Za-z][A-Za-z0-9]{2,62}$/,
        "must be a table name of 3 to 63 letters and digits, starting with a letter",
      )
      .default("tandem")
      .describe(
        "Table that holds Tandem's state (observations, heartbeats; later lease, incidents, audit). Created if missing.",
      ),
    connection: secretRef
      .optional()
      .describe(
        "Secret reference to a storage connection string (`env:NAME`). Use this or `endpoint`, not both.",
      ),
    endpoint: httpsUrl
      .optional()
      .describe(
        "Table service endpoint, for example `https://tandemstate.table.core.windows.net`, reached with the Function App's managed identity (`DefaultAzureCredential`). Use this or `connection`, not both.",
      ),
    auditRetentionDays: count(1, 3650)
      .default(90)
      .describe(
        "How long the audit log keeps its entries and its counts of refused API calls, and the state store its closed incidents, in days. The lease holder deletes older ones a bounded number per tick (an incident only once no rule needs it: not a group's last closed or last completed one, none inside the automatic-failover window or the 24 hours of idempotency keys, none whose woken cluster is still to return to cold) and records a summary of each round in the audit log.",
      ),
  })
  .describe(
    "The shared state store: an Azure Table Storage (or Cosmos DB for Table) table in a witness region, reached by every observer.",
  );

export const regionTrafficSchema = z
  .strictObject({
    endpoint: z
      .string({ error: "must be an endpoint or origin name" })
      .min(1, "must be an endpoint or origin name")
      .describe(
        "Name of this region's Traffic Manager endpoint, or Front Door origin, in the group's traffic lever.",
      ),
  })
  .describe("This region's place in the group's traffic lever.");

/** A lever kind's settings as the configuration holds them (the provider's schema says the rest). */
export type { LeverSettings } from "../providers/types.js";

/** One schema for several kinds: a discriminated union on `kind`, or the one kind alone. */
function byKind<T extends LeverSettings>(
  schemas: readonly SettingsSchema[],
  what: string,
): z.ZodType<T, Partial<T>> {
  if (schemas.length === 0)
    return z.never({ error: `no ${what} kind is available` }) as unknown as z.ZodType<
      T,
      Partial<T>
    >;
  if (schemas.length === 1) return schemas[0] as unknown as z.ZodType<T, Partial<T>>;
  return z.discriminatedUnion(
    "kind",
    schemas as unknown as [SettingsSchema, SettingsSchema, ...SettingsSchema[]],
  ) as unknown as z.ZodType<T, Partial<T>>;
}

function leverSchemas(registry: ProviderRegistry) {
  const traffic = byKind<LeverSettings>(
    registry.traffic.map((p) => p.schema),
    "traffic lever",
  ).describe(
    `The traffic lever that routes users to this group's regions, driven through Azure Resource Manager: ${registry.traffic.map((p) => `\`${p.kind}\` (${p.title})`).join(", ")}. Without one, Tandem watches and alerts but does not act (refusal \`no-lever\`).`,
  );
  const cluster = byKind<ClusterConfig>(
    registry.clusters.map((p) => p.schema),
    "cluster",
  ).describe(
    `The region's cluster, for waking (passive-cold) and scaling on promotion: ${registry.clusters.map((p) => `\`${p.kind}\` (${p.title})`).join(", ")}. The runbook starts it and scales its pools through Azure Resource Manager (see docs/permissions.md for the role it needs).`,
  );
  const data = z
    .array(
      byKind<DataStoreConfig>(
        registry.data.map((p) => p.schema.extend(dataStoreCommon)),
        "data store",
      ).describe(
        `A data store whose primary follows the group's traffic: ${registry.data.map((p) => `\`${p.kind}\` (${p.title})`).join(", ") || "no kind is built in yet"}. See docs/data.md.`,
      ),
    )
    .min(1, "must list at least one data store (or leave `data` out)")
    .optional()
    .describe(
      "The group's data stores whose primary moves with its traffic on failover (active-passive and passive-cold groups only; docs/data.md). Each has a `name` unique in the group, a `kind`, the kind's own fields and `allowDataLoss`.",
    );
  return { traffic, cluster, data };
}

/** Fields every data store has besides its kind's own: its name, and whether it may lose data. */
const dataStoreCommon = {
  name: name("data store").describe(
    "Name of the store in the group (unique in it), as the runbook, alerts and the audit log name it.",
  ),
  allowDataLoss: z
    .boolean()
    .default(false)
    .describe(
      "Whether Tandem may ask for a forced failover (writes not yet replicated are lost) when the primary's copy cannot be reached. Default false: Tandem then asks only for planned failovers to a copy that has caught up, and pages a person with the command to run by hand otherwise.",
    ),
};

const dataPolicySchema = z
  .strictObject({
    order: z
      .enum(["before-traffic", "after-traffic"])
      .default(DATA_POLICY_DEFAULTS.order)
      .describe(
        "`before-traffic` (default): the stores' primaries move just before traffic does, so the standby serves writes from its first request. `after-traffic`: once traffic has moved and is verified.",
      ),
    onDataFailure: z
      .enum(["shift-traffic", "hold-traffic"])
      .default(DATA_POLICY_DEFAULTS.onDataFailure)
      .describe(
        "With `before-traffic`, when a store cannot be moved safely (refused, or not moved within `policy.dataTimeoutSeconds`): `shift-traffic` (default) moves traffic anyway, since the standby reaching its data across regions is no worse than users reaching a lost region; `hold-traffic` ends the failover as failed with routing left as it was. A person is paged either way.",
      ),
    failback: z
      .enum(["manual", "with-traffic"])
      .default(DATA_POLICY_DEFAULTS.failback)
      .describe(
        "`manual` (default): an automatic failback moves traffic only, and the data returns when a person fails back (`tandem failback`). `with-traffic`: an automatic failback (after the dwell time) moves the data back too.",
      ),
  })
  .describe("How the group's data stores follow its traffic (docs/data.md).");

/** The policy settings a group may override; declared without defaults so an override is partial. */
const failoverPolicyFields = {
  failureThreshold: count(1, 10).describe(
    "Consecutive failed probes after which an observer counts a target as failing for the verdict. Confirmation re-probes count: with the default `confirmRetries` of 2, one tick whose probe and both re-probes fail reaches 3.",
  ),
  successThreshold: count(1, 10).describe(
    "Consecutive successful probes after which a target that failed counts as passing again (until then its region is recovering).",
  ),
  dwellSeconds: seconds("dwell time", 0, 86_400).describe(
    "Time a region that was down must pass every probe before its verdict is healthy again (it is recovering until then), and so before traffic fails back to it.",
  ),
  maxAutoFailovers: count(0, 100).describe(
    "Automatic failovers allowed per group within `autoFailoverWindowMinutes`; then Tandem alerts and waits for a person. 0 disables automatic failover.",
  ),
  autoFailoverWindowMinutes: count(1, 10_080).describe(
    "Window over which `maxAutoFailovers` is counted.",
  ),
  autoFailback: z
    .boolean()
    .describe(
      "Fail back automatically after the dwell time (active-passive and passive-cold; active-active always re-enables a recovered region).",
    ),
};

const readinessSchema = z
  .strictObject({
    intervalMinutes: count(1, 1440)
      .default(READINESS_DEFAULTS.intervalMinutes)
      .describe(
        "How often the lease holder runs the readiness checks of every group, from the lever views, observations and incidents it already keeps (no Azure Resource Manager read of their own).",
      ),
    coldStartWithinDays: count(1, 365)
      .default(READINESS_DEFAULTS.coldStartWithinDays)
      .describe(
        "passive-cold: a standby whose cluster has not started successfully (by a failover, a practice run or a person) within this many days is not ready.",
      ),
  })
  .describe(
    "Failover readiness checks (docs/readiness.md): whether each group's standby could take the traffic now.",
  );

/** A five-field cron schedule in UTC (src/core/cron.ts), its fault named. */
const cronSchedule = () =>
  z.string({ error: "must be a cron schedule" }).superRefine((text, ctx) => {
    const cron = parseCron(text);
    if (typeof cron === "string") ctx.addIssue({ code: "custom", message: cron });
  });

const practiceSchema = z
  .strictObject({
    drill: cronSchedule()
      .optional()
      .describe(
        "A five-field cron schedule (minute hour day-of-month month day-of-week, UTC), e.g. `0 3 * * 1` for Mondays at 03:00: the lease holder then runs a dry-run drill of every group (as `tandem drill` does: nothing changes), audited by `tandem-practice`, and its predicted time feeds the readiness check `recovery-time`. Checked at the readiness interval, so it runs up to `readiness.intervalMinutes` after the time. Absent (the default): no scheduled drill.",
      ),
    failover: z
      .strictObject({
        start: cronSchedule().describe(
          "When each practice window opens: a five-field cron schedule in UTC, e.g. `0 10 * * 2` for Tuesdays at 10:00.",
        ),
        durationMinutes: count(5, 720).describe(
          "How long each window lasts. A practice starts only inside it, and one still on the standby when it ends fails back at once.",
        ),
        dwellMinutes: count(1, 240)
          .default(10)
          .describe(
            "How long the group serves from the standby before the practice fails back (sooner if the window ends or the standby fails its probes).",
          ),
      })
      .refine((w) => w.dwellMinutes < w.durationMinutes, {
        error:
          "must be shorter than durationMinutes, or no practice could fail back within its window",
        path: ["dwellMinutes"],
      })
      .optional()
      .describe(
        "A real practice failover and failback of every active-passive and passive-cold group, once per window, started by the lease holder only when every readiness check of the group passes, automation is not paused and the failover cap allows it (docs/readiness.md). Absent (the default): no real practice.",
      ),
  })
  .describe("Practice on a schedule (docs/readiness.md): off unless a schedule is given.");

export const policySchema = z
  .strictObject({
    intervalSeconds: seconds("probe interval", 1, 300)
      .describe(
        "Probe interval. The Function App's one timer (`TANDEM_TICK_SCHEDULE`) fires at this interval: each tick probes, then decides.",
      )
      .default(POLICY_DEFAULTS.intervalSeconds),
    probeTimeoutSeconds: seconds("probe timeout", 0.1, 60)
      .describe("Default timeout for one probe; must be shorter than `intervalSeconds`.")
      .default(POLICY_DEFAULTS.probeTimeoutSeconds),
    confirmRetries: count(0, 5)
      .default(POLICY_DEFAULTS.confirmRetries)
      .describe(
        "After a failed probe, probe again this many times (quickly, within the same tick) before recording a failure: one lost packet does not start an incident.",
      ),
    confirmSpacingSeconds: seconds("confirmation spacing", 0, 10)
      .default(POLICY_DEFAULTS.confirmSpacingSeconds)
      .describe("Pause before each confirmation probe."),
    probeConcurrency: count(1, 1000)
      .default(POLICY_DEFAULTS.probeConcurrency)
      .describe("Probes in flight at once within a tick; each has its own timeout."),
    stepTimeoutSeconds: seconds("step timeout", 10, 86_400)
      .default(POLICY_DEFAULTS.stepTimeoutSeconds)
      .describe(
        "Longest a runbook step that shifts or verifies traffic may take before the incident ends as failed (routing left as it was). Time the step waits on Azure Resource Manager, or for its turn at Tandem's share of ARM's budget in a mass failover, is not counted; its wall time is bounded at three times this or this plus 15 minutes, whichever is longer. Verification through the global entry point also waits the Traffic Manager profile's DNS TTL (at most propagationTimeoutSeconds), as clients follow only once it expires.",
      ),
    wakeTimeoutSeconds: seconds("wake timeout", 60, 86_400)
      .default(POLICY_DEFAULTS.wakeTimeoutSeconds)
      .describe(
        "Longest waking a cluster (start and scale) may take, and again waiting for it to pass its probes, before the incident ends as failed. Time waiting on Azure Resource Manager, or for a turn at Tandem's share of its budget, is not counted, as for stepTimeoutSeconds.",
      ),
    dataTimeoutSeconds: seconds("data timeout", 10, 86_400)
      .default(POLICY_DEFAULTS.dataTimeoutSeconds)
      .describe(
        "Longest the runbook's data step may take to make the target region every data store's primary (`groups[].data`); then the stores not moved are reported to a person and traffic goes as `groups[].dataPolicy.onDataFailure` says. Measured on the wall clock, time waiting on Azure Resource Manager included (unlike stepTimeoutSeconds): it bounds how long traffic waits for its data while ARM is slow, as it is in a regional outage.",
      ),
    propagationTimeoutSeconds: seconds("propagation timeout", 60, 86_400)
      .default(POLICY_DEFAULTS.propagationTimeoutSeconds)
      .describe(
        "Longest a traffic change may take to reach the lever's data plane before the incident ends as failed. Front Door deploys origin changes to its edge over many minutes and its API gives no sign of it (deploymentStatus stays NotStarted): the runbook waits on the global entry point's probes for up to this long (plus stepTimeoutSeconds), whatever the lever's status fields say.",
      ),
    stopColdClusterOnClear: z
      .boolean()
      .default(POLICY_DEFAULTS.stopColdClusterOnClear)
      .describe(
        "passive-cold: stop the cluster Tandem pre-warmed when the primary's suspicion clears without a failover.",
      ),
    returnToCold: z
      .boolean()
      .default(POLICY_DEFAULTS.returnToCold)
      .describe(
        "passive-cold: stop the standby cluster an incident woke once traffic is back on the primary (failback completed, or the failover aborted because the primary recovered) and the primary has been healthy for `dwellSeconds` after the incident ended; never while the standby serves traffic, and never a cluster a person started. AKS asks for 15 to 30 minutes between a stop and the next start; a start AKS refuses is retried until `wakeTimeoutSeconds`.",
      ),
    manualHoldMinutes: count(1, 525_600)
      .optional()
      .describe(
        "How long a routing a person chose (a manual failover) holds off automatic failback. Unset (the default): until a person fails back or resumes automation for the group. An automatic failover away from a region that fails still happens.",
      ),
    leverReconcileSeconds: seconds("lever reconcile interval", 10, 86_400)
      .default(POLICY_DEFAULTS.leverReconcileSeconds)
      .describe(
        "How often the lease holder reads each group's levers (Traffic Manager, Front Door, AKS) when nothing is happening, to see changes people made by hand. Levers are also read at once during an incident, when a verdict changes and after an operator command; between reads the status shows the last view and its age. Stretched fourfold while Azure Resource Manager says its read budget is low. This is the shortest period: quiet reads take at most one Azure Resource Manager read a second, so with many groups they come less often (1,000 groups with one lever each: about every 17 minutes; ADR 23).",
      ),
    leaseSeconds: seconds("lease duration", 1, 3600)
      .optional()
      .describe(
        "How long a contender waits, from first seeing the lease unchanged, before taking it over from a silent holder. Defaults to three intervals; must be longer than `leaseRenewDeadlineSeconds`.",
      ),
    leaseRenewDeadlineSeconds: seconds("lease renew deadline", 1, 3600)
      .optional()
      .describe(
        "How long the lease holder may act after its last successful renewal began; it renews every interval. Defaults to two intervals; must be longer than `intervalSeconds`.",
      ),
    observerStaleSeconds: seconds("staleness bound", 1, 3600)
      .optional()
      .describe(
        "An observer whose heartbeat has not changed for this long (on the reader's own clock) is stale, and its observations are ignored. Defaults to three intervals.",
      ),
    failureThreshold: failoverPolicyFields.failureThreshold.default(
      POLICY_DEFAULTS.failureThreshold,
    ),
    successThreshold: failoverPolicyFields.successThreshold.default(
      POLICY_DEFAULTS.successThreshold,
    ),
    dwellSeconds: failoverPolicyFields.dwellSeconds.default(POLICY_DEFAULTS.dwellSeconds),
    maxAutoFailovers: failoverPolicyFields.maxAutoFailovers.default(
      POLICY_DEFAULTS.maxAutoFailovers,
    ),
    autoFailoverWindowMinutes: failoverPolicyFields.autoFailoverWindowMinutes.default(
      POLICY_DEFAULTS.autoFailoverWindowMinutes,
    ),
    autoFailback: failoverPolicyFields.autoFailback.default(POLICY_DEFAULTS.autoFailback),
    readiness: readinessSchema.prefault({}),
    practice: practiceSchema.prefault({}),
  })
  .describe(
    "Timing and safety policy for every group; a group may override the failover settings.",
  );

export const groupPolicySchema = z
  .strictObject(failoverPolicyFields)
  .partial()
  .describe("Overrides of the top-level `policy` for this group.");

/** Fields every alert channel has besides its own: its name and what it wants to hear. */
const channelCommon = {
  name: name("alert channel").describe(
    "Name of the channel, used in logs, the audit trail, `GET /api/status` and `tandem alerts test NAME`.",
  ),
  minSeverity: z
    .enum(SEVERITIES)
    .default("info")
    .describe(
      "Least severity sent: `info`, `warning`, `error` or `critical`. A resolved message goes wherever what it resolves went.",
    ),
  events: z
    .array(
      z.string({ error: "must be an alert type" }).refine(isAlertPattern, {
        message: `must be an alert type or a prefix such as "failover.*" (types: ${ALERT_TYPES.map((t) => t.type).join(", ")})`,
      }),
    )
    .min(1, "must list at least one alert type")
    .optional()
    .describe(
      "Alert types sent (see docs/alerts.md), or prefixes such as `failover.*`. Default: every type but `region.suspect`.",
    ),
  groups: z
    .array(name("group"))
    .min(1, "must list at least one group")
    .optional()
    .describe(
      "Groups whose alerts are sent. Default: every group. Alerts about no group (observers, the store, the lease) are always sent.",
    ),
};

function alertsSchemaFor(kinds: ChannelKindRegistry) {
  const channel = byKind<LeverSettings>(
    kinds.map((k) => k.schema.extend(channelCommon)),
    "alert channel",
  ).describe(`An alert channel: ${kinds.map((k) => `\`${k.kind}\` (${k.title})`).join(", ")}.`);
  return z
    .strictObject({
      channels: z
        .array(channel)
        .default([])
        .describe(
          "Where Tandem tells people what it saw and did. Each alert is sent once per channel, from the lease holder, through the outbox in the state store (docs/alerts.md).",
        ),
      links: z
        .strictObject({
          baseUrl: httpUrl
            .optional()
            .describe(
              "Tandem's API as people reach it, e.g. `https://tandem-weu.azurewebsites.net`: alerts link to `{baseUrl}/api/status` (the status page) and `{baseUrl}/api/incidents/{id}`. Without it alerts carry no links.",
            ),
        })
        .prefault({})
        .describe("Links in alerts."),
      reminderMinutes: count(0, 10_080)
        .default(60)
        .describe(
          "Remind every this many minutes of an incident, a down region or an unconfirmed one (`region.unconfirmed`) still open; 0 for no reminders.",
        ),
    })
    .prefault({})
    .describe("Alerts: channels, links and reminders.");
}

export const apiSchema = z
  .strictObject({
    bearer: z
      .strictObject({
        issuer: z
          .string({ error: "must be the token issuer" })
          .min(1, "must be the token issuer")
          .describe(
            "Expected `iss` of bearer tokens, e.g. `https://login.microsoftonline.com/<tenant>/v2.0` (a tenant's own issuer, not `common` or `organizations`). Unless `keys` lists them, the signing keys are discovered from it: `<issuer>/.well-known/openid-configuration`, then its `jwks_uri`, over https.",
          ),
        audience: z
          .string({ error: "must be the token audience" })
          .min(1, "must be the token audience")
          .describe(
            "Expected `aud`: the client id of Tandem's app registration (what version 2 access tokens carry), or its application ID URI.",
          ),
        keys: z
          .array(
            z
              .looseObject({
                kty: z.enum(["RSA", "EC"], {
                  error: 'must be "RSA" or "EC": tokens must be signed with a public key',
                }),
              })
              .refine((key) => !("d" in key), {
                message: "is a private key: list only the public part (no `d`)",
              })
              .describe("A public key as a JWK (from the issuer's JWKS document)."),
          )
          .min(1, "must list at least one public key")
          .optional()
          .describe(
            "Public keys that sign the tokens (JWKs; public keys are not secrets), for an issuer without a discovery document. Without them the keys are discovered from the issuer, cached, and read again when a token names a key id not yet known (Entra ID rolls its keys).",
          ),
        clientApps: z
          .array(z.string().min(1, "must be a client application id"))
          .min(1, "must list at least one client application")
          .default([...API_TOKEN_DEFAULTS.clientApps])
          .describe(
            "Client applications whose access tokens are accepted: the `azp` claim (version 2 tokens) or `appid` (version 1). Default: the Azure CLI, which the deployment's app registration pre-authorises (`az account get-access-token --resource api://<client id>`). Tandem's own identity (app setting AZURE_CLIENT_ID, with which the observers ask each other to probe) is always allowed beside these; add the client id of each script's identity.",
          ),
        maxAgeMinutes: count(1, 1440)
          .default(API_TOKEN_DEFAULTS.maxAgeMinutes)
          .describe(
            "Tokens issued (`iat`) longer ago than this are refused, whatever their `exp`: above Entra ID's default lifetime (60-90 minutes, `iat` set 5 minutes early), far below the day-long lifetimes of continuous access evaluation.",
          ),
      })
      .optional()
      .describe(
        "Entra ID (or another OpenID Connect issuer) access tokens on the API: signature (asymmetric algorithms only), issuer, audience, lifetime, age, token type and client application checked. Absent: the deployment's app settings TANDEM_API_ISSUER and TANDEM_API_CLIENT_ID say the issuer and audience, with the defaults here.",
      ),
    readerRole: z
      .string()
      .min(1)
      .default(API_ROLE_DEFAULTS.readerRole)
      .describe("App role that may read status, incidents and the audit log."),
    operatorRole: z
      .string()
      .min(1)
      .default(API_ROLE_DEFAULTS.operatorRole)
      .describe("App role that may also fail over, fail back, pause, resume and drill."),
    observerRole: z
      .string()
      .min(1)
      .default(API_ROLE_DEFAULTS.observerRole)
      .describe(
        "App role (for applications only) of the observers' own managed identities: another observer may ask this one to probe a region now. It grants nothing of the operator API, and the operator role does not grant it.",
      ),
  })
  .describe(
    "Who may use the operator API. Every caller presents an access token (`Authorization: Bearer`), which Tandem validates itself; platform headers such as App Service Authentication's `x-ms-client-principal` are never taken as proof, and function keys never authorise.",
  );

const telemetrySchema = z
  .strictObject({
    summaryMinutes: count(0, 60)
      .default(TELEMETRY_DEFAULTS.summaryMinutes)
      .describe(
        "While a target passes its probes, each observer sends one availability record for it every this many minutes, on the clock's whole multiples of it, carrying the probes it stands for (`customMeasurements.probes`, `passed`; `duration` is their mean), instead of one record per probe. Every probe that fails, and every probe from the first pass after a failure until the target has passed for this long again, is still sent at once as its own record. Probe latency by phase and the share of passing probes (customMetrics) are sent per group at the same pace. `0`: every probe is sent as its own record, and the group metrics every interval. A restarted Function App loses at most the current summary. Only while telemetry is on (`APPLICATIONINSIGHTS_CONNECTION_STRING`).",
      ),
  })
  .describe(
    "What each observer sends to Application Insights (docs/telemetry.md); sending is on when the app setting `APPLICATIONINSIGHTS_CONNECTION_STRING` is set.",
  );

export const INSTANCE_MEMORY_SIZES = [512, 2048, 4096] as const;

export const deploymentSchema = z
  .strictObject({
    witnessRegion: name("region").describe(
      "Azure region of the state store (the witness): not one of the application's regions and not an observer region, so that the loss of any one region leaves the store and a majority of observers. `azd up` creates the storage account named by `stateStore.endpoint` here.",
    ),
    resourceGroup: z
      .string({ error: "must be a resource group name" })
      .regex(
        /^[-\w.()]{0,89}[-\w()]$/,
        "must be a resource group name: up to 90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period",
      )
      .optional()
      .describe(
        "Resource group that `azd up` creates for Tandem's own resources. Defaults to `rg-<azd environment name>`.",
      ),
    instanceMemoryMB: z
      .literal(INSTANCE_MEMORY_SIZES, { error: "must be 512, 2048 or 4096 (MB)" })
      .default(512)
      .describe(
        "Instance memory of each Flex Consumption Function App, in MB (512, 2048 or 4096; a quarter, one or two vCPUs). 512 fits: a started app measured at most 103 MB resident over 20 ticks, and a tick over 500 targets peaked at 139 MB (bench/RESULTS.md). Take 2048 for more CPU when ticks over many targets run long.",
      ),
    tags: z
      .record(
        z.string().regex(/^[^<>%&\\?/]{1,512}$/, "must be a tag name without < > % & \\ ? /"),
        z.string().max(256, "must be at most 256 characters"),
      )
      .default({})
      .describe("Tags for every resource `azd up` creates, besides `azd-env-name` and `tandem`."),
    alertEmails: z
      .array(z.email({ error: "must be an email address" }))
      .max(20, "must list at most 20 addresses")
      .default([])
      .describe(
        "Email addresses of the Azure Monitor action group that the deployed log alert rules notify (infra/telemetry/alert-rules.json: an observer stale, a split view, a failed failover, the failover cap reached, Tandem silent). These alerts come from Azure Monitor, not from Tandem, so they still arrive when every observer is down. Empty: the rules fire and show in the portal, and notify nobody until you add receivers to the action group.",
      ),
  })
  .describe(
    "How `azd up` deploys Tandem (see docs/deploy.md). Only `tandem deploy parameters` reads it; a Function App ignores it.",
  );

/** Built schemas, by lever registry, then probe kinds, then channel kinds. */
const schemas = new WeakMap<object, WeakMap<object, WeakMap<object, ReturnType<typeof build>>>>();

/** The value under a key of a WeakMap, made and kept the first time. */
function kept<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/**
 * The configuration's schema with the lever kinds of a registry (PROVIDERS by default), the
 * probe kinds of another (PROBE_KINDS by default) and the alert channel kinds of a third
 * (CHANNEL_KINDS by default).
 */
export function configSchemaFor(
  registry: ProviderRegistry = PROVIDERS,
  probeKinds: ProbeKindRegistry = PROBE_KINDS,
  channelKinds: ChannelKindRegistry = CHANNEL_KINDS,
) {
  const byProbes = kept(schemas, registry, () => new WeakMap());
  const byChannels = kept(byProbes, probeKinds, () => new WeakMap());
  return kept(byChannels, channelKinds, () => build(registry, probeKinds, channelKinds));
}

function build(
  registry: ProviderRegistry,
  probeKinds: ProbeKindRegistry,
  channelKinds: ChannelKindRegistry,
) {
  const levers = leverSchemas(registry);
  const probeSchema = probeSchemaFor(probeKinds);
  const region = z
    .strictObject({
      name: name("region").describe(
        "Azure region of this stamp of the application, for example `westeurope`.",
      ),
      role: z
        .enum(REGION_ROLES)
        .describe(
          "`active` in an active-active group; `primary` or `secondary` in active-passive and passive-cold groups.",
        ),
      probe: probeSchema.describe("How observers check this region's endpoint."),
      traffic: regionTrafficSchema.optional(),
      cluster: levers.cluster.optional(),
    })
    .describe("One regional stamp of the application.");

  const group = z
    .strictObject({
      name: name("group").describe(
        "Name of the failover group, as shown in the status and used in logs.",
      ),
      model: z
        .enum(DEPLOYMENT_MODELS)
        .describe("Deployment model: `active-active`, `active-passive` or `passive-cold`."),
      regions: z
        .array(region)
        .min(2, "must list at least two regions")
        .describe("The application's regional stamps; at least two."),
      entryPoint: probeSchema
        .optional()
        .describe(
          "The global entry point (Traffic Manager or Front Door hostname), probed to verify where traffic really goes.",
        ),
      traffic: levers.traffic.optional(),
      data: levers.data,
      dataPolicy: dataPolicySchema.optional(),
      policy: groupPolicySchema.optional(),
      rtoSeconds: seconds("recovery time objective", 1, 86_400)
        .optional()
        .describe(
          "The group's recovery time objective: the readiness check `recovery-time` is not ready when the last drill predicts a longer failover (docs/readiness.md).",
        ),
      rpoSeconds: seconds("recovery point objective", 0, 86_400)
        .optional()
        .describe(
          "The group's recovery point objective: how many seconds of writes it may lose at most. For the readiness checks of its data stores (docs/data.md); Tandem's failovers never lose data unless a store's `allowDataLoss` says so.",
        ),
    })
    .describe("An application's regional stamps and the entry point that routes to them.");

  return z
    .strictObject({
      $schema: z.string().optional().describe("Path or URL of tandem.schema.json, for editors."),
      observers: z
        .array(observerSchema)
        .min(1, "must list at least one observer")
        .describe(
          "Monitoring regions: one Function App each. Two or more, outside the state store's region, for agreement.",
        ),
      stateStore: stateStoreSchema,
      policy: policySchema.prefault({}),
      groups: z
        .array(group)
        .min(1, "must list at least one failover group")
        .describe("Failover groups to watch; at least one."),
      api: apiSchema.prefault({}),
      telemetry: telemetrySchema.prefault({}),
      deployment: deploymentSchema.optional(),
      alerts: alertsSchemaFor(channelKinds),
      newRegions: z
        .array(name("region"))
        .optional()
        .describe(
          `Azure region names that Tandem's list (src/config/azure-regions.ts, from Azure's own list of ${AZURE_REGIONS_CHECKED}) does not know yet, such as a region opened since. Every region name is checked against that list: one or two letters from a listed name (\`northeurop\`) is refused with the name it is close to, since a misspelt observer or group region silently changes which observer counts as inside a region; a name far from every listed one is only a warning, since Azure opens regions faster than any list is updated and such a name must keep working. A name given here is taken as it is.`,
        ),
    })
    .describe("Tandem configuration (tandem.config.json).");
}

export const configSchema = configSchemaFor(PROVIDERS, PROBE_KINDS, CHANNEL_KINDS);

export type TandemConfig = z.output<typeof configSchema>;
export type TandemConfigInput = z.input<typeof configSchema>;
export type GroupConfig = TandemConfig["groups"][number];
export type RegionConfig = GroupConfig["regions"][number];
/** A data store's settings: its kind's fields, its name in the group, and `allowDataLoss`. */
type DataStoreConfig = LeverSettings & {
  readonly name: string;
  readonly allowDataLoss: boolean;
};
/** A region's cluster settings: its kind's fields, and the pools to scale when it is woken. */
export type ClusterConfig = LeverSettings & { readonly nodePools: readonly NodePoolSize[] };
/** A probe: the common fields and those of its kind (src/probes/<kind>/). */
export type ProbeConfig = ProbeSettings;
export type PolicyConfig = TandemConfig["policy"];
export type AlertsConfig = TandemConfig["alerts"];
/** One alert channel: its kind's own fields, and the common ones (name, filters). */
export type AlertChannelConfig = LeverSettings & {
  readonly name: string;
  readonly minSeverity: Severity;
  readonly events?: readonly string[];
  readonly groups?: readonly string[];
};
export type DeploymentConfig = NonNullable<TandemConfig["deployment"]>;
