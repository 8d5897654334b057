// Container Apps environment (workload profiles: Consumption, and a serverless GPU profile when asked for) logging to
// Log Analytics, in the platform's network: its apps reach the data services privately. The environment itself is not
// internal, so apps with external ingress (gateway, web) still answer on the internet; every other app's ingress is
// internal to the environment.
@description('Environment name.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the environment.')
param tags object = {}

@description('Name of the Log Analytics workspace (same resource group) that receives the logs.')
param logAnalyticsWorkspaceName string

@description('Serverless GPU workload profile type (Consumption-GPU-NC8as-T4 or Consumption-GPU-NC24-A100), or empty for none.')
param gpuWorkloadProfileType string = ''

@description('Name the GPU workload profile gets (apps name it to run on it).')
param gpuWorkloadProfileName string = 'gpu'

@description('Resource id of the subnet (delegated to Microsoft.App/environments) the environment runs in. Fixed once created.')
param infrastructureSubnetId string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: concat([
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ], empty(gpuWorkloadProfileType) ? [] : [
      {
        name: gpuWorkloadProfileName
        workloadProfileType: gpuWorkloadProfileType
      }
    ])
    vnetConfiguration: {
      infrastructureSubnetId: infrastructureSubnetId
      internal: false
    }
    zoneRedundant: false
  }
}

output id string = environment.id
output name string = environment.name
output defaultDomain string = environment.properties.defaultDomain
output gpuWorkloadProfileName string = gpuWorkloadProfileName
