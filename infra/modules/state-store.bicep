// The state store in the witness region: a storage account that holds only Tandem's table, shared
// key access off, reached by identity. Cosmos DB for Table is the alternative (docs/deploy.md):
// the same client talks to it, at a higher price, with multi-region writes Tandem does not need.
param accountName string
param table string
param location string
param tags object
param principalId string
param tableRoleId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  // Locally redundant: zone-redundant storage is better where the witness region has zones.
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tandemTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tables
  name: table
}

// On the account, which holds nothing but Tandem's table: the table client creates the table
// if it is missing, and that call is checked above the table.
resource tableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, tableRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tableRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = account.properties.primaryEndpoints.table
