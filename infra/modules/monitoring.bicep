// Log Analytics workspace: the Container Apps environment sends console and system logs here.
@description('Name of the Log Analytics workspace.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the workspace.')
param tags object = {}

@description('Days to keep logs (30 is included in the ingestion price).')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

output id string = workspace.id
output name string = workspace.name
