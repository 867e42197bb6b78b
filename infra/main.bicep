// Tandem, deployed once per subscription (docs/deploy.md). Every parameter comes from the
// configuration file: `tandem deploy parameters` writes infra/main.parameters.json from it, and
// the azd preprovision hook runs that. What this creates:
//   - in the witness region: the state store, Key Vault, Log Analytics and Application Insights
//     (with the workbook, the log alert rules and their action group), and the user-assigned
//     identity Tandem acts as;
//   - per observer region: a Flex Consumption Function App with its own host storage and its own
//     identity for that storage;
//   - the identity's roles: built-in roles on Tandem's own resources, and per lever kind a custom
//     role (infra/roles/levers.json, generated from the providers' operations) on exactly the
//     resources the configuration names. Nothing here names a lever kind: a new kind is its
//     provider folder and a line in src/providers/registry.ts, and npm run gen.
targetScope = 'subscription'

@description('azd environment name: part of every resource name, and the tag azd finds them by.')
@minLength(1)
@maxLength(40)
param environmentName string

@description('Object id of the person running azd up (azd sets it): may set and rotate the secrets.')
param principalId string = ''

@description('Client id of Tandem\'s Entra app registration; infra/hooks/entra-app.sh creates it.')
param apiClientId string

@description('Resource group for Tandem\'s own resources; rg-<environmentName> when empty.')
param resourceGroupName string = ''

@description('Region of the state store, Key Vault and monitoring: not an application or observer region.')
param witnessRegion string

@description('One Function App per observer region, with its timers\' NCRONTAB schedules.')
@minLength(1)
param observers observerApp[]

@description('The storage account (created here, in the witness region) and table of the state store.')
param stateStore stateStoreSettings

@description('Instance memory of each Function App, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('Tags for every resource, besides azd-env-name.')
param tags object = {}

@description('Email addresses the log alert rules notify, through the action group.')
param alertEmails string[] = []

@description('The resources each lever kind\'s role is assigned on (the providers\' scopes).')
param leverScopes leverScopeEntry[] = []

@description('The resource groups where a lever kind\'s operations role is assigned (its operation status URLs are under them).')
param operationGroups operationGroup[] = []

@description('The app settings the configuration names (env:NAME), each a Key Vault secret.')
param secrets secretReference[] = []

type observerApp = {
  region: string
  tickSchedule: string
}

type stateStoreSettings = {
  accountName: string
  table: string
}

type leverScopeEntry = {
  kind: string
  id: string
  subscriptionId: string
  resourceGroup: string
  type: string
  names: string[]
  resource: string
}

type operationGroup = {
  kind: string
  subscriptionId: string
  resourceGroup: string
}

type secretReference = {
  setting: string
  secretName: string
}

var token = toLower(uniqueString(subscription().id, environmentName))
// Custom role names must be unique in the Entra tenant, and several subscriptions of one tenant
// may each hold an environment of the same name ("prod"): every role name ends with the
// environment and a hash of the subscription and environment, e.g. "(prod 4kq2x7ab)".
// infra/hooks/postdown.sh finds them again by that ending and by this subscription.
var roleSuffix = '(${environmentName} ${take(token, 8)})'
var allTags = union(tags, { 'azd-env-name': environmentName })
var builtIn = loadJsonContent('roles/built-in.json')
// Every lever kind's roles, by kind (generated from the providers; test/config/generated.test.ts
// fails when the file is out of date).
var leverRoles = loadJsonContent('roles/levers.json').kinds
var kindsInUse = union(map(leverScopes, s => s.kind), [])
var kindsFollowingOperations = filter(kindsInUse, k => !empty(leverRoles[k].operations.actions))
var kindsFollowingOnSubscription = filter(
  kindsFollowingOperations,
  k => leverRoles[k].operations.assignedAt == 'subscription'
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: witnessRegion
  tags: allTags
}

module identity 'modules/identity.bicep' = {
  name: 'tandem-identity'
  scope: rg
  params: {
    name: 'id-tandem-${token}'
    location: witnessRegion
    tags: allTags
  }
}

// The identity App Service Authentication redeems browser sign-ins with, in place of a client
// secret: a federated credential of the app registration names it (infra/hooks/sign-in.sh). It
// holds no Azure role and is given to the observer apps only: Microsoft's App Service docs ("Use a
// managed identity instead of a secret", configure-authentication-provider-aad) ask for an
// identity used for nothing else, since whoever holds it can sign in as the app registration.
module signInIdentity 'modules/identity.bicep' = {
  name: 'tandem-sign-in-identity'
  scope: rg
  params: {
    name: 'id-tandem-sign-in-${token}'
    location: witnessRegion
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'tandem-monitoring'
  scope: rg
  params: {
    workspaceName: 'log-tandem-${token}'
    componentName: 'appi-tandem-${token}'
    location: witnessRegion
    tags: allTags
    principalId: identity.outputs.principalId
    publisherRoleId: builtIn.telemetry.id
    actionGroupName: 'ag-tandem-${token}'
    alertEmails: alertEmails
  }
}

module vault 'modules/key-vault.bicep' = {
  name: 'tandem-key-vault'
  scope: rg
  params: {
    name: 'kv-tandem-${take(token, 13)}'
    location: witnessRegion
    tags: allTags
    principalId: identity.outputs.principalId
    secretsUserRoleId: builtIn.secrets.id
    deployerPrincipalId: principalId
    secretsOfficerRoleId: builtIn.deployerSecrets.id
  }
}

module state 'modules/state-store.bicep' = {
  name: 'tandem-state-store'
  scope: rg
  params: {
    accountName: stateStore.accountName
    table: stateStore.table
    location: witnessRegion
    tags: allTags
    principalId: identity.outputs.principalId
    tableRoleId: builtIn.stateStore.id
  }
}

// Each observer's Function App by region, and where the others reach it: an observer that sees a
// region start failing asks the others to probe it now (ADR 18). A Flex Consumption app's default
// host name is <name>.azurewebsites.net (this template does not opt in to unique default host
// names); the names are computed, not read from the apps, so no app depends on another.
var appNames = toObject(observers, o => o.region, o => 'func-tandem-${o.region}-${token}')
var peerUrls = toObject(observers, o => o.region, o => 'https://${appNames[o.region]}.azurewebsites.net')

module apps 'modules/observer.bicep' = [
  for o in observers: {
    name: 'tandem-observer-${o.region}'
    scope: rg
    params: {
      region: o.region
      tickSchedule: o.tickSchedule
      appName: appNames[o.region]
      peers: string(peerUrls)
      planName: 'plan-tandem-${o.region}-${token}'
      hostStorageName: take('sth${uniqueString(subscription().id, environmentName, o.region)}', 24)
      tags: allTags
      instanceMemoryMB: instanceMemoryMB
      identityId: identity.outputs.id
      identityClientId: identity.outputs.clientId
      signInIdentityId: signInIdentity.outputs.id
      signInIdentityClientId: signInIdentity.outputs.clientId
      hostIdentityName: 'id-tandem-host-${o.region}-${token}'
      hostStorageRoleId: builtIn.hostStorage.id
      appInsightsConnectionString: monitoring.outputs.connectionString
      vaultName: vault.outputs.name
      secrets: secrets
      apiClientId: apiClientId
    }
    // The state store exists and the identity may use it before an observer first ticks.
    dependsOn: [state]
  }
]

// The levers' custom roles, defined on this subscription from the role files.
resource resourceRoles 'Microsoft.Authorization/roleDefinitions@2022-04-01' = [
  for kind in kindsInUse: {
    name: guid(subscription().id, environmentName, kind, 'resource')
    properties: {
      roleName: '${leverRoles[kind].resource.roleName} ${roleSuffix}'
      description: leverRoles[kind].resource.description
      type: 'CustomRole'
      permissions: [
        {
          actions: leverRoles[kind].resource.actions
          notActions: []
          dataActions: []
          notDataActions: []
        }
      ]
      assignableScopes: [subscription().id]
    }
  }
]

resource operationRoles 'Microsoft.Authorization/roleDefinitions@2022-04-01' = [
  for kind in kindsFollowingOperations: {
    // The name's seed ('subscription') is the one earlier deployments used: a role definition
    // keeps its name, whatever its roleName becomes.
    name: guid(subscription().id, environmentName, kind, 'subscription')
    properties: {
      roleName: '${leverRoles[kind].operations.roleName} ${roleSuffix}'
      description: leverRoles[kind].operations.description
      type: 'CustomRole'
      permissions: [
        {
          actions: leverRoles[kind].operations.actions
          notActions: []
          dataActions: []
          notDataActions: []
        }
      ]
      assignableScopes: [subscription().id]
    }
  }
]

// Reading the status of one resource provider's long-running operations, nothing else, assigned
// where ARM checks it (the kind's `operations.assignedAt` in infra/roles/levers.json): on the
// subscription for AKS, whose status URLs are under the subscription; on each resource group of
// the configured resources for Front Door, whose status URLs are under the profile's resource group.
resource operationAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for kind in kindsFollowingOnSubscription: {
    name: guid(subscription().id, environmentName, kind, 'subscription-assignment')
    properties: {
      roleDefinitionId: subscriptionResourceId(
        'Microsoft.Authorization/roleDefinitions',
        guid(subscription().id, environmentName, kind, 'subscription')
      )
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
    }
    dependsOn: [operationRoles]
  }
]

module operationGroupAccess 'modules/access/operations.bicep' = [
  for g in operationGroups: {
    name: 'tandem-operations-${uniqueString(g.subscriptionId, g.resourceGroup, g.kind, environmentName)}'
    scope: resourceGroup(g.subscriptionId, g.resourceGroup)
    params: {
      roleDefinitionId: subscriptionResourceId(
        'Microsoft.Authorization/roleDefinitions',
        guid(subscription().id, environmentName, g.kind, 'subscription')
      )
      principalId: identity.outputs.principalId
    }
    dependsOn: [operationRoles]
  }
]

// Each lever kind's role on exactly the resources the configuration names, in their own resource
// groups, through one template for every kind: a role assignment is an extension resource, which
// an ARM template scopes to a resource named by a string ("Setting scope for extension resources
// in ARM templates", learn.microsoft.com), where a Bicep `scope` needs a declared resource of a
// literal type; a Bicep module may be an ARM JSON template ("Bicep modules", learn.microsoft.com).
// `s.resource` is the resource below its group, spelled with the kind's declared type
// (src/deploy/parameters.ts), from which the assignment's name is made.
module leverAccess 'modules/access/resource.json' = [
  for s in leverScopes: {
    name: 'tandem-access-${uniqueString(s.id, environmentName)}'
    scope: resourceGroup(s.subscriptionId, s.resourceGroup)
    params: {
      resource: s.resource
      roleDefinitionId: subscriptionResourceId(
        'Microsoft.Authorization/roleDefinitions',
        guid(subscription().id, environmentName, s.kind, 'resource')
      )
      principalId: identity.outputs.principalId
    }
    dependsOn: [resourceRoles]
  }
]

// What the hooks and docs/deploy.md read back (azd keeps outputs as environment values).
output AZURE_RESOURCE_GROUP string = rg.name
output TANDEM_KEY_VAULT string = vault.outputs.name
output TANDEM_IDENTITY_CLIENT_ID string = identity.outputs.clientId
// The sign-in identity's object id: the subject of the app registration's federated credential.
output TANDEM_SIGN_IN_PRINCIPAL_ID string = signInIdentity.outputs.principalId
// principalId: the identity the app acts as (infra/hooks/identity-roles.sh gives it the app roles
// meant for applications).
output TANDEM_APPS array = [
  for (o, i) in observers: {
    region: o.region
    name: apps[i].outputs.name
    url: apps[i].outputs.url
    principalId: identity.outputs.principalId
  }
]
