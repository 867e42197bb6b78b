// A lever kind's operations role (its `operations` in infra/roles/levers.json) on one resource
// group: for a resource provider whose long-running operation status URLs are under the resource
// group of the resource changed (Microsoft.Cdn), so that ARM's check there passes. It grants
// reading that provider's operation status in this group, nothing else.
param roleDefinitionId string
param principalId string

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
