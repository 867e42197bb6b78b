// A user-assigned identity: the one Tandem acts as in every region (the levers, the state store,
// Key Vault references and telemetry), and the browser sign-in's (main.bicep). Roles are assigned
// where each resource is made.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
