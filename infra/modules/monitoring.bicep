// Log Analytics and Application Insights, local authentication off: telemetry is ingested with
// Entra ID (the Function Apps set APPLICATIONINSIGHTS_AUTHENTICATION_STRING). Over Tandem's
// telemetry: the workbook and the log alert rules of infra/telemetry/ (docs/telemetry.md), loaded
// from those files as they are, and the action group the rules notify.
param workspaceName string
param componentName string
param location string
param tags object
param principalId string
param publisherRoleId string
@description('Name of the action group the log alert rules notify.')
param actionGroupName string
@description('Its email receivers (deployment.alertEmails in the configuration).')
param alertEmails string[]

var alertRules = loadJsonContent('../telemetry/alert-rules.json').rules

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: { disableLocalAuth: true }
  }
}

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: componentName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(component.id, principalId, publisherRoleId)
  scope: component
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', publisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output connectionString string = component.properties.ConnectionString

// The workbook, shared in the resource group and shown on the component (its sourceId); its
// content is infra/telemetry/workbook.json, unchanged. Its name must be a GUID.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(component.id, 'tandem-workbook')
  location: location
  tags: union(tags, { 'hidden-title': 'Tandem' })
  kind: 'shared'
  properties: {
    displayName: 'Tandem'
    category: 'workbook'
    sourceId: component.id
    serializedData: loadTextContent('../telemetry/workbook.json')
  }
}

// Action groups are global resources; the short name (at most 12 characters) is what an SMS or
// an email shows as the sender.
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'tandem'
    enabled: true
    emailReceivers: [
      for (address, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
  }
}

// One scheduled query rule per entry of infra/telemetry/alert-rules.json, over the component:
// it fires when its query returns at least one row in the window (a count above the threshold).
resource rules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in alertRules: {
    name: rule.name
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [component.id]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.timeAggregation
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [actionGroup.id]
      }
    }
  }
]
