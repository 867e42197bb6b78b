// One observer region: a Flex Consumption Function App with its own host storage, and its own
// identity for that storage. Never share host storage between regions: a timer runs as a
// singleton per host storage, so a shared one would silence every region but one. The app acts
// as two user-assigned identities: Tandem's (levers, state store, Key Vault, telemetry; shared by
// every region) and this region's host identity (Blob Data Owner on this region's host storage
// only, so that no one identity can write every region's timer leases and packages).
//
// The file reads top to bottom: parameters, host storage and its identity, the plan and the app,
// the app settings (one object, held to src/settings.ts), App Service Authentication, outputs.
param region string
param tickSchedule string
@description('The other observers\' Function App base URLs by region, as JSON (TANDEM_PEERS).')
param peers string
param appName string
param planName string
param hostStorageName string
param tags object
param instanceMemoryMB int
@description('Tandem\'s identity (resource id and client id), shared by every region.')
param identityId string
param identityClientId string
@description('The browser sign-in\'s identity (resource id and client id): App Service Authentication redeems sign-ins with it instead of a client secret.')
param signInIdentityId string
param signInIdentityClientId string
@description('Name of this region\'s host identity, made here.')
param hostIdentityName string
param hostStorageRoleId string
param appInsightsConnectionString string
param vaultName string
param secrets array
param apiClientId string

var packageContainer = 'app-package'

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: hostStorageName
  location: region
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: hostStorage
  name: 'default'
}

resource packages 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: packageContainer
}

resource hostIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: hostIdentityName
  location: region
  tags: tags
}

// Blobs only: the host keeps its timer leases there, and the platform reads the package there.
// principalType is given so that ARM does not look the new identity up in Entra ID before it has
// replicated there (Microsoft's "assign Azure roles using Bicep" guidance).
resource hostStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, hostIdentity.id, hostStorageRoleId)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', hostStorageRoleId)
    principalId: hostIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: region
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: region
  tags: union(tags, { 'tandem-observer': region })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
      '${hostIdentity.id}': {}
      '${signInIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${packageContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: hostIdentity.id
          }
        }
      }
      scaleAndConcurrency: {
        // The lowest maximum Flex Consumption takes; timers run one at a time anyway.
        maximumInstanceCount: 40
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
  }
  dependsOn: [hostStorageAccess, packages]
}

// Entra ID's issuer of version 2 tokens for this tenant (the loginEndpoint ends with a slash).
var apiIssuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

// The app settings: src/settings.ts lists each one, and test/infra/settings-contract.test.ts holds
// this object to that list in both directions.
var appSettings = {
  TANDEM_OBSERVER_REGION: region
  TANDEM_CONFIG_PATH: 'tandem.config.json'
  TANDEM_TICK_SCHEDULE: tickSchedule
  TANDEM_PEERS: peers
  AZURE_CLIENT_ID: identityClientId
  AzureWebJobsStorage__accountName: hostStorage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: hostIdentity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  TANDEM_API_ISSUER: apiIssuer
  TANDEM_API_CLIENT_ID: apiClientId
  TANDEM_API_SIGN_IN_CLIENT_ID: apiClientId
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: signInIdentityClientId
}

// The secrets the configuration names (env:NAME), as Key Vault references the platform resolves
// with the identity above.
var secretSettings = toObject(
  secrets,
  s => s.setting,
  s => '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${s.secretName})'
)

resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: union(appSettings, secretSettings)
}

// App Service Authentication in front of the HTTP API: the browser's sign-in. It is a first gate
// only: Tandem trusts no header it sets, and validates every access token itself against the
// issuer and client id above (TANDEM_API_ISSUER, TANDEM_API_CLIENT_ID; docs/adr/0016). For a
// browser it signs people in as the app registration (infra/hooks/entra-app.sh) with the
// authorization code flow, asking (loginParameters) for an access token for Tandem's own API
// besides the ID token; it keeps the tokens (tokenStore) and forwards that access token to the
// app in X-MS-TOKEN-AAD-ACCESS-TOKEN on each signed-in request, where Tandem checks it as a
// bearer token (its client, azp, is the app registration: TANDEM_API_SIGN_IN_CLIENT_ID). Without
// a client secret only an ID token comes back, so the sign-in identity stands in for one
// (clientSecretSettingName OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: Microsoft's "Use a managed
// identity instead of a secret", configure-authentication-provider-aad; "Retrieve tokens in app
// code", configure-authentication-oauth-tokens, for the header and the token store). No secret to
// store or rotate. Microsoft's Flex Consumption page listed Easy Auth as unsupported during the
// preview (2024) and no longer does (2025 onwards); were it to let a caller through unsigned, the
// app still refuses it.
resource auth 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: apiIssuer
          clientId: apiClientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
        }
        login: {
          loginParameters: ['scope=openid profile email offline_access api://${apiClientId}/user_impersonation']
        }
        validation: {
          allowedAudiences: ['api://${apiClientId}', apiClientId]
        }
      }
    }
    login: {
      tokenStore: { enabled: true }
    }
  }
  dependsOn: [settings]
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
