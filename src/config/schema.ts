// Every setting of tandem.config.json is declared here once, with its rule, default and help
// text. tandem.schema.json and docs/configuration.md are generated from these declarations
// (`npm run gen`). Rules that span fields live in rules.ts.
import { z } from "zod";
import { POLICY_DEFAULTS } from "./defaults.js";
import { count, httpUrl, httpsUrl, name, resourceId, secretRef, seconds } from "./fields.js";

export const DEPLOYMENT_MODELS = ["active-active", "active-passive", "passive-cold"] as const;
export const REGION_ROLES = ["active", "primary", "secondary"] as const;

export const observerSchema = z
  .strictObject({
    region: name("region").describe(
      "Azure region this observer's Function App runs in (for example `westeurope`). Each observer is identified by its region.",
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
  })
  .describe(
    "The shared state store: an Azure Table Storage (or Cosmos DB for Table) table in a witness region, reached by every observer.",
  );

export const probeSchema = z
  .strictObject({
    url: httpUrl.describe(
      "Absolute http or https URL to GET. A 2xx answer within the timeout is up.",
    ),
    timeoutSeconds: seconds("probe timeout", 0.1, 60)
      .optional()
      .describe("Timeout for one probe. Defaults to `policy.probeTimeoutSeconds`."),
  })
  .describe("How an observer checks a target.");

export const nodePoolSchema = z
  .strictObject({
    name: z
      .string({ error: "must be an agent pool name" })
      .regex(
        /^[a-z][a-z0-9]{0,11}$/,
        "must be an AKS agent pool name: 1 to 12 lower-case letters and digits, starting with a letter",
      )
      .describe("AKS agent pool name."),
    count: count(0, 1000).describe(
      "Node count to scale the pool to when the region is woken or promoted.",
    ),
    minCount: count(0, 1000)
      .optional()
      .describe("Autoscaler minimum to set with `count` (set with `maxCount`)."),
    maxCount: count(1, 1000)
      .optional()
      .describe("Autoscaler maximum to set with `count` (set with `minCount`)."),
  })
  .describe("An agent pool to scale when its region is woken or promoted.");

export const clusterSchema = z
  .strictObject({
    resourceId: resourceId("Microsoft.ContainerService", "managedClusters").describe(
      "Resource ID of the region's AKS cluster.",
    ),
    nodePools: z
      .array(nodePoolSchema)
      .default([])
      .describe(
        "Agent pools to scale when the region is woken (passive-cold) or promoted (active-passive).",
      ),
  })
  .describe(
    "The region's AKS cluster, for waking (passive-cold) and scaling on promotion. (Planned: validated now, driven by the failover runbook.)",
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
  .describe(
    "This region's place in the group's traffic lever. (Planned: used by the Traffic Manager and Front Door levers.)",
  );

export const regionSchema = z
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
    cluster: clusterSchema.optional(),
  })
  .describe("One regional stamp of the application.");

export const trafficManagerSchema = z
  .strictObject({
    kind: z.literal("traffic-manager").describe("Azure Traffic Manager."),
    profileId: resourceId("Microsoft.Network", "trafficManagerProfiles").describe(
      "Resource ID of the Traffic Manager profile.",
    ),
  })
  .describe("Route with an Azure Traffic Manager profile (endpoint priority, weight, status).");

export const frontDoorSchema = z
  .strictObject({
    kind: z.literal("front-door").describe("Azure Front Door Standard/Premium."),
    profileId: resourceId("Microsoft.Cdn", "profiles").describe(
      "Resource ID of the Front Door profile.",
    ),
    originGroup: z
      .string({ error: "must be an origin group name" })
      .min(1, "must be an origin group name")
      .describe("Origin group whose origins are this group's regions."),
  })
  .describe(
    "Route with an Azure Front Door Standard/Premium origin group (origin priority, weight, enabled state).",
  );

export const trafficSchema = z
  .discriminatedUnion("kind", [trafficManagerSchema, frontDoorSchema])
  .describe(
    "The traffic lever that routes users to this group's regions. (Planned: validated now, driven by the failover runbook.)",
  );

/** The policy settings a group may override; declared without defaults so an override is partial. */
const failoverPolicyFields = {
  failureThreshold: count(1, 10).describe(
    "Consecutive failed probes after which an observer counts a target as failing for the verdict.",
  ),
  successThreshold: count(1, 10).describe(
    "Consecutive successful probes after which a target that failed counts as passing again (until then its region is recovering).",
  ),
  dwellSeconds: seconds("dwell time", 0, 86_400).describe(
    "Time a region that was down must pass every probe before its verdict is healthy again (it is recovering until then), and so before traffic fails back to it.",
  ),
  maxAutoFailovers: count(0, 100).describe(
    "Automatic failovers allowed per group within `autoFailoverWindowMinutes`; then Tandem alerts and waits for a person. 0 disables automatic failover. (Planned: acted on by the failover runbook.)",
  ),
  autoFailoverWindowMinutes: count(1, 10_080).describe(
    "Window over which `maxAutoFailovers` is counted. (Planned: acted on by the failover runbook.)",
  ),
  autoFailback: z
    .boolean()
    .describe(
      "Fail back automatically after the dwell time (active-passive and passive-cold; active-active always re-enables a recovered region). (Planned: acted on by the failover runbook.)",
    ),
};

export const policySchema = z
  .strictObject({
    intervalSeconds: seconds("probe interval", 1, 300)
      .describe(
        "Probe interval. The Function App's `TANDEM_PROBE_SCHEDULE` setting should fire at this interval.",
      )
      .default(POLICY_DEFAULTS.intervalSeconds),
    probeTimeoutSeconds: seconds("probe timeout", 0.1, 60)
      .describe("Default timeout for one probe; must be shorter than `intervalSeconds`.")
      .default(POLICY_DEFAULTS.probeTimeoutSeconds),
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
  })
  .describe(
    "Timing and safety policy for every group; a group may override the failover settings.",
  );

export const groupPolicySchema = z
  .strictObject(failoverPolicyFields)
  .partial()
  .describe("Overrides of the top-level `policy` for this group.");

export const groupSchema = z
  .strictObject({
    name: name("group").describe(
      "Name of the failover group, as shown in the status and used in logs.",
    ),
    model: z
      .enum(DEPLOYMENT_MODELS)
      .describe("Deployment model: `active-active`, `active-passive` or `passive-cold`."),
    regions: z
      .array(regionSchema)
      .min(2, "must list at least two regions")
      .describe("The application's regional stamps; at least two."),
    entryPoint: probeSchema
      .optional()
      .describe(
        "The global entry point (Traffic Manager or Front Door hostname), probed to verify where traffic really goes.",
      ),
    traffic: trafficSchema.optional(),
    policy: groupPolicySchema.optional(),
  })
  .describe("An application's regional stamps and the entry point that routes to them.");

const alertBase = {
  name: name("alert channel").describe("Name of the channel, used in logs and the audit trail."),
};

export const alertSchema = z
  .discriminatedUnion("kind", [
    z
      .strictObject({
        kind: z.literal("teams").describe("Microsoft Teams through a Workflows webhook."),
        ...alertBase,
        webhookUrl: secretRef.describe("Secret reference to the Workflows webhook URL."),
      })
      .describe('Microsoft Teams (Workflows "When a Teams webhook request is received").'),
    z
      .strictObject({
        kind: z.literal("slack").describe("Slack incoming webhook."),
        ...alertBase,
        webhookUrl: secretRef.describe("Secret reference to the Slack incoming webhook URL."),
      })
      .describe("Slack incoming webhook."),
    z
      .strictObject({
        kind: z.literal("pagerduty").describe("PagerDuty Events API v2."),
        ...alertBase,
        routingKey: secretRef.describe(
          "Secret reference to the PagerDuty integration (routing) key.",
        ),
      })
      .describe("PagerDuty Events API v2."),
    z
      .strictObject({
        kind: z.literal("webhook").describe("Generic webhook signed per Standard Webhooks."),
        ...alertBase,
        url: httpUrl.describe("URL that receives the signed POST."),
        secret: secretRef.describe("Secret reference to the signing secret (`whsec_...`)."),
      })
      .describe("Generic webhook, signed per Standard Webhooks."),
  ])
  .describe("An alert channel.");

export const configSchema = z
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
      .array(groupSchema)
      .min(1, "must list at least one failover group")
      .describe("Failover groups to watch; at least one."),
    alerts: z
      .array(alertSchema)
      .default([])
      .describe(
        "Where Tandem tells people what it saw and did. (Planned: validated now, and their secrets checked at start-up; sending comes with the alerts.)",
      ),
  })
  .describe("Tandem configuration (tandem.config.json).");

export type TandemConfig = z.output<typeof configSchema>;
export type TandemConfigInput = z.input<typeof configSchema>;
export type GroupConfig = TandemConfig["groups"][number];
export type RegionConfig = GroupConfig["regions"][number];
export type ProbeConfig = z.output<typeof probeSchema>;
export type PolicyConfig = TandemConfig["policy"];
export type AlertConfig = TandemConfig["alerts"][number];
