// The AKS lever's role (infra/roles/aks.json) on one cluster a region names: read, start, stop,
// and read and write its agent pools.
param names string[]
param roleDefinitionId string
param principalId string

resource cluster 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: names[0]
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, principalId, roleDefinitionId)
  scope: cluster
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
