// Every app setting of a Tandem Function App, listed once: the ones Tandem reads, and the ones the
// Functions host and the Azure SDK read for it. None the platform sets is read: App Service
// Authentication's are not proof of anything (ADR 16). The composition
// root reads Tandem's by these names; infra/modules/observer.bicep sets each one marked
// `setBy: "template"`, and test/infra/settings-contract.test.ts holds the template and the code to
// this list in both directions. The secrets the configuration names (`env:NAME`) are app settings
// too; they differ per configuration, so the deployment derives them (Key Vault references).

export interface AppSetting {
  readonly name: string;
  /**
   * Who reads it: Tandem's own code, the Functions host, DefaultAzureCredential, or App Service
   * Authentication (the browser sign-in in front of the app, which Tandem does not trust).
   */
  readonly readBy: "tandem" | "functions-host" | "azure-identity" | "app-service-auth";
  /** Who sets it in Azure: the deployment template, or the platform itself. */
  readonly setBy: "template" | "platform";
  /** What it holds, for the README's table and docs/deploy.md. */
  readonly meaning: string;
}

export const APP_SETTINGS = [
  {
    name: "TANDEM_OBSERVER_REGION",
    readBy: "tandem",
    setBy: "template",
    meaning: "this app's observer region; one of `observers` in the config (required)",
  },
  {
    name: "TANDEM_CONFIG_PATH",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "path of the config file, relative to the app root (default `tandem.config.json`; `npm run package` puts it there)",
  },
  {
    name: "TANDEM_TICK_SCHEDULE",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "NCRONTAB schedule of the one `tick` timer (probe, then decide), six fields, e.g. `*/10 * * * * *`, derived from `policy.intervalSeconds`; required: without it the timer is not registered",
  },
  {
    name: "TANDEM_PEERS",
    readBy: "tandem",
    setBy: "template",
    meaning:
      'the other observers\' Function App base URLs by region, as JSON (`{"northeurope": "https://func-…azurewebsites.net"}`): an observer that sees a region start failing asks them to probe it now (ADR 18); without it they learn at their next tick',
  },
  {
    name: "TANDEM_API_ISSUER",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "the Entra ID issuer of the API's access tokens (`https://login.microsoftonline.com/<tenant>/v2.0`), whose keys Tandem discovers, unless the config sets `api.bearer` (see docs/api.md)",
  },
  {
    name: "TANDEM_API_CLIENT_ID",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "the client id of Tandem's app registration: the audience the API's access tokens must name (unless the config sets `api.bearer`)",
  },
  {
    name: "TANDEM_API_SIGN_IN_CLIENT_ID",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "the client application App Service Authentication signs people in as (Tandem's own app registration): the access token it forwards to the API for a browser names it as `azp`, so the API accepts it as a client beside `api.bearer.clientApps` (ADR 16)",
  },
  {
    name: "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID",
    readBy: "app-service-auth",
    setBy: "template",
    meaning:
      "client id of the sign-in identity, a user-assigned identity that App Service Authentication uses instead of a client secret when it redeems a sign-in for tokens (a federated credential of the app registration; docs/deploy.md)",
  },
  {
    name: "AZURE_CLIENT_ID",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "client id of the user-assigned managed identity Tandem acts as (Traffic Manager, Front Door, AKS, state store, tokens for its peers); read by the Azure SDK, and by Tandem, whose API accepts access tokens from it (a peer observer); see docs/permissions.md",
  },
  {
    name: "AzureWebJobsStorage__accountName",
    readBy: "functions-host",
    setBy: "template",
    meaning:
      "this app's own host storage account (timer leases); one per region, never shared: a timer is a singleton per host storage",
  },
  {
    name: "AzureWebJobsStorage__credential",
    readBy: "functions-host",
    setBy: "template",
    meaning: "`managedidentity`: the host reaches its storage by identity (shared keys are off)",
  },
  {
    name: "AzureWebJobsStorage__clientId",
    readBy: "functions-host",
    setBy: "template",
    meaning:
      "this region's own user-assigned identity, which the host uses for its storage (no other identity holds a role there)",
  },
  {
    name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "where the host and Tandem send logs and telemetry (Application Insights, local auth off); without it Tandem sends none (see docs/telemetry.md)",
  },
  {
    name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    readBy: "tandem",
    setBy: "template",
    meaning:
      "`ClientId=<identity>;Authorization=AAD`: telemetry (the host's and Tandem's) is ingested with Entra ID, not the instrumentation key",
  },
] as const satisfies readonly AppSetting[];

export type AppSettingName = (typeof APP_SETTINGS)[number]["name"];

/** The names Tandem's own code reads, by what they are for. */
export const SETTINGS = {
  configPath: "TANDEM_CONFIG_PATH",
  observer: "TANDEM_OBSERVER_REGION",
  tickSchedule: "TANDEM_TICK_SCHEDULE",
  peers: "TANDEM_PEERS",
  apiIssuer: "TANDEM_API_ISSUER",
  apiClientId: "TANDEM_API_CLIENT_ID",
  apiSignInClientId: "TANDEM_API_SIGN_IN_CLIENT_ID",
  identityClientId: "AZURE_CLIENT_ID",
  appInsights: "APPLICATIONINSIGHTS_CONNECTION_STRING",
  appInsightsAuth: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
} as const satisfies Record<string, AppSettingName>;
