// The Traffic Manager lever's role (infra/roles/traffic-manager.json) on one profile a group
// names, and nothing else in its resource group.
param names string[]
param roleDefinitionId string
param principalId string

resource profile 'Microsoft.Network/trafficmanagerprofiles@2022-04-01' existing = {
  name: names[0]
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(profile.id, principalId, roleDefinitionId)
  scope: profile
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
