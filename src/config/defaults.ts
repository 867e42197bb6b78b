/** Defaults of the top-level policy, shared by the schema and the cross-field rules. */
export const POLICY_DEFAULTS = {
  intervalSeconds: 10,
  probeTimeoutSeconds: 5,
  confirmRetries: 2,
  confirmSpacingSeconds: 0.5,
  probeConcurrency: 32,
  failureThreshold: 3,
  successThreshold: 3,
  dwellSeconds: 600,
  maxAutoFailovers: 1,
  autoFailoverWindowMinutes: 60,
  autoFailback: false,
  stepTimeoutSeconds: 300,
  dataTimeoutSeconds: 600,
  wakeTimeoutSeconds: 1200,
  propagationTimeoutSeconds: 1800,
  stopColdClusterOnClear: true,
  leverReconcileSeconds: 300,
  returnToCold: true,
} as const;

/** Defaults of the readiness checks (docs/readiness.md). */
export const READINESS_DEFAULTS = { intervalMinutes: 15, coldStartWithinDays: 30 } as const;

/**
 * Defaults of what each observer sends to Application Insights. Five minutes: a target that
 * passes costs one record in thirty at the default 10 s interval, and the workbook's default bins
 * (5 minutes) still get one summary each.
 */
export const TELEMETRY_DEFAULTS = { summaryMinutes: 5 } as const;

/** The API's app role names by default, shared by the schema and the cross-field rules. */
export const API_ROLE_DEFAULTS = {
  readerRole: "Tandem.Reader",
  operatorRole: "Tandem.Operator",
  observerRole: "Tandem.Observer",
} as const;

/** The Azure CLI's application id: the client the deployment's app registration pre-authorises. */
export const AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/** Defaults of the API's token checks, for `api.bearer` and for tokens the app settings describe. */
export const API_TOKEN_DEFAULTS = {
  clientApps: [AZURE_CLI_APP_ID],
  maxAgeMinutes: 120,
} as const;
