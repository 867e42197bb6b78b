// The Front Door lever's role (infra/roles/front-door.json) on one origin group a group names: its
// origins are the group's regions. The rest of the profile stays out of reach.
param names string[]
param roleDefinitionId string
param principalId string

resource profile 'Microsoft.Cdn/profiles@2024-02-01' existing = {
  name: names[0]
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' existing = {
  parent: profile
  name: names[1]
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(originGroup.id, principalId, roleDefinitionId)
  scope: originGroup
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
