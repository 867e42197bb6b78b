// What the Function App bundle leaves out of @azure/arm-sql 10 (see bundle-left-out.ts, ADR 13).
// Its client makes all 149 of its operation groups (sqlManagementClient.js imports them from
// "./operations"); Tandem calls failoverGroups. And failoverGroups.js hands its whole `Mappers`
// namespace to the serializer, while parameters.js imports a mapper for every request body of
// the SDK: bundled as they are, every model of the SDK (mappers.js, about 470 kB, whose derived
// models are made by Object.assign calls esbuild cannot drop) would be in the package. So the
// stand-ins give failoverGroups.js the parameters and models it names, and the models those
// reach, taken at bundle time from the installed SDK's own modules: an SDK update that renames
// one fails the bundle with a message naming it, never the lever at run time.
import { readFileSync } from "node:fs";

export const SQL_UNUSED = [
  "DataMaskingPolicies",
  "DataMaskingRules",
  "GeoBackupPolicies",
  "Databases",
  "ElasticPools",
  "ServerCommunicationLinks",
  "ServiceObjectives",
  "ElasticPoolActivities",
  "ElasticPoolDatabaseActivities",
  "ServerUsages",
  "DatabaseAdvisors",
  "DatabaseAutomaticTuningOperations",
  "DatabaseColumns",
  "DatabaseRecommendedActions",
  "DatabaseSchemas",
  "DatabaseSecurityAlertPolicies",
  "DatabaseTables",
  "DatabaseVulnerabilityAssessmentRuleBaselines",
  "DatabaseVulnerabilityAssessments",
  "DatabaseVulnerabilityAssessmentScans",
  "DataWarehouseUserActivitiesOperations",
  "DeletedServers",
  "ElasticPoolOperations",
  "EncryptionProtectors",
  "FirewallRules",
  "InstancePools",
  "JobAgents",
  "JobCredentials",
  "JobExecutions",
  "Jobs",
  "JobStepExecutions",
  "JobSteps",
  "JobTargetExecutions",
  "JobTargetGroups",
  "JobVersions",
  "Capabilities",
  "LongTermRetentionPolicies",
  "MaintenanceWindowOptionsOperations",
  "MaintenanceWindowsOperations",
  "ManagedBackupShortTermRetentionPolicies",
  "ManagedDatabaseColumns",
  "ManagedDatabaseQueries",
  "ManagedDatabaseSchemas",
  "ManagedDatabaseSecurityAlertPolicies",
  "ManagedDatabaseSecurityEvents",
  "ManagedDatabaseTables",
  "ManagedDatabaseTransparentDataEncryption",
  "ManagedDatabaseVulnerabilityAssessmentRuleBaselines",
  "ManagedDatabaseVulnerabilityAssessments",
  "ManagedDatabaseVulnerabilityAssessmentScans",
  "ManagedInstanceAdministrators",
  "ManagedInstanceAzureADOnlyAuthentications",
  "ManagedInstanceEncryptionProtectors",
  "ManagedInstanceKeys",
  "ManagedInstanceLongTermRetentionPolicies",
  "ManagedInstanceOperations",
  "ManagedInstancePrivateEndpointConnections",
  "ManagedInstancePrivateLinkResources",
  "ManagedInstanceTdeCertificates",
  "ManagedInstanceVulnerabilityAssessments",
  "ManagedRestorableDroppedDatabaseBackupShortTermRetentionPolicies",
  "ManagedServerSecurityAlertPolicies",
  "Operations",
  "PrivateEndpointConnections",
  "PrivateLinkResources",
  "RecoverableManagedDatabases",
  "RestorePoints",
  "ServerAdvisors",
  "ServerAutomaticTuningOperations",
  "ServerAzureADAdministrators",
  "ServerAzureADOnlyAuthentications",
  "ServerDevOpsAuditSettings",
  "ServerDnsAliases",
  "ServerKeys",
  "ServerOperations",
  "ServerSecurityAlertPolicies",
  "ServerTrustGroups",
  "ServerVulnerabilityAssessments",
  "SqlAgent",
  "SubscriptionUsages",
  "SyncAgents",
  "SyncGroups",
  "SyncMembers",
  "TdeCertificates",
  "TimeZones",
  "VirtualNetworkRules",
  "WorkloadClassifiers",
  "WorkloadGroups",
  "BackupShortTermRetentionPolicies",
  "DatabaseExtensionsOperations",
  "DatabaseOperations",
  "DatabaseUsages",
  "LedgerDigestUploadsOperations",
  "OutboundFirewallRules",
  "Usages",
  "LongTermRetentionBackups",
  "LongTermRetentionManagedInstanceBackups",
  "RestorableDroppedManagedDatabases",
  "ServerConnectionPolicies",
  "DistributedAvailabilityGroups",
  "ServerTrustCertificates",
  "IPv6FirewallRules",
  "EndpointCertificates",
  "ManagedDatabaseSensitivityLabels",
  "ManagedDatabaseRecommendedSensitivityLabels",
  "SensitivityLabels",
  "RecommendedSensitivityLabels",
  "ServerBlobAuditingPolicies",
  "DatabaseBlobAuditingPolicies",
  "ExtendedDatabaseBlobAuditingPolicies",
  "ExtendedServerBlobAuditingPolicies",
  "DatabaseAdvancedThreatProtectionSettings",
  "ServerAdvancedThreatProtectionSettings",
  "ManagedServerDnsAliases",
  "DatabaseSqlVulnerabilityAssessmentBaselines",
  "DatabaseSqlVulnerabilityAssessmentExecuteScan",
  "DatabaseSqlVulnerabilityAssessmentRuleBaselines",
  "DatabaseSqlVulnerabilityAssessmentScanResult",
  "DatabaseSqlVulnerabilityAssessmentScans",
  "DatabaseSqlVulnerabilityAssessmentsSettings",
  "ManagedDatabaseAdvancedThreatProtectionSettings",
  "ManagedInstanceAdvancedThreatProtectionSettings",
  "ReplicationLinks",
  "SqlVulnerabilityAssessmentBaseline",
  "SqlVulnerabilityAssessmentBaselines",
  "SqlVulnerabilityAssessmentExecuteScan",
  "SqlVulnerabilityAssessmentRuleBaseline",
  "SqlVulnerabilityAssessmentRuleBaselines",
  "SqlVulnerabilityAssessmentScanResult",
  "SqlVulnerabilityAssessmentScans",
  "SqlVulnerabilityAssessmentsSettings",
  "SqlVulnerabilityAssessments",
  "ManagedDatabaseMoveOperations",
  "ManagedInstanceDtcs",
  "SynapseLinkWorkspaces",
  "VirtualClusters",
  "InstanceFailoverGroups",
  "ManagedDatabaseRestoreDetails",
  "ManagedDatabases",
  "DatabaseEncryptionProtectors",
  "ManagedInstances",
  "ManagedLedgerDigestUploadsOperations",
  "RecoverableDatabases",
  "RestorableDroppedDatabases",
  "ServerConfigurationOptions",
  "Servers",
  "StartStopManagedInstanceSchedules",
  "TransparentDataEncryptions",
];

export const SQL_GROUPS = {
  what: "an @azure/arm-sql operation group other than failoverGroups",
  why: "Tandem's SQL failover group lever (src/providers/sql-failover-group/failover-group.ts) calls failoverGroups only",
};

export const SQL_MODELS = {
  what: "an @azure/arm-sql model or parameter other than the failover group's",
  why: SQL_GROUPS.why,
};

/** The module that imports the parameters and models whose stand-ins are made here. */
export const SQL_FAILOVER_GROUPS =
  /node_modules\/@azure\/arm-sql\/dist-esm\/src\/operations\/failoverGroups\.js$/;

const SDK = new URL("../../node_modules/@azure/arm-sql/dist-esm/src/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, SDK), "utf8");

/** The `export const name = ...;` statements of a generated SDK module, by name. */
function statements(file: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of read(file).matchAll(/^export const ([\w$]+) = [\s\S]*?^};$/gm))
    found.set(m[1]!, m[0]);
  return found;
}

function statement(all: ReadonlyMap<string, string>, file: string, name: string): string {
  const text = all.get(name);
  if (text === undefined)
    throw new Error(
      `scripts/bundle-left-out-sql.ts: @azure/arm-sql's ${file} has no export ${name}; the SDK changed, update the stand-ins`,
    );
  return text;
}

/** What failoverGroups.js names of a namespace it imports (`Mappers.FailoverGroup`...). */
const named = (namespace: string) => [
  ...new Set(
    [
      ...read("operations/failoverGroups.js").matchAll(
        new RegExp(`\\b${namespace}\\.([\\w$]+)`, "g"),
      ),
    ].map((m) => m[1]!),
  ),
];

/** The parameters failoverGroups.js names, and the models they name (`FailoverGroupMapper`). */
function parameters(): { text: string[]; models: string[] } {
  const all = statements("models/parameters.js");
  const text = named("Parameters").map((n) => statement(all, "models/parameters.js", n));
  const models = [
    ...new Set(text.flatMap((t) => [...t.matchAll(/\b(\w+)Mapper\b/g)].map((m) => m[1]!))),
  ];
  return { text, models };
}

export function sqlParameters(): string {
  const { text, models } = parameters();
  const imports = models.map((m) => `${m} as ${m}Mapper`).join(", ");
  return `import { ${imports} } from "../models/mappers";\n${text.join("\n")}\n`;
}

/**
 * The models failoverGroups.js and its parameters name, with every model they reach (by
 * `className`, which the serializer looks up among those it is given, or by spreading another's
 * properties, which must be defined first).
 */
export function sqlMappers(): string {
  const file = "models/mappers.js";
  const all = statements(file);
  const out: string[] = [];
  const done = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    const text = statement(all, file, name);
    for (const m of text.matchAll(/\b(\w+)\.type\.modelProperties/g)) visit(m[1]!);
    out.push(text);
    for (const m of text.matchAll(/className: "(\w+)"/g)) visit(m[1]!);
  };
  for (const name of [...named("Mappers"), ...parameters().models]) visit(name);
  return `${out.join("\n")}\n`;
}
