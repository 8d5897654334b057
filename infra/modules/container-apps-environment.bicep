// Container Apps environment (workload profiles, Consumption profile) logging to Log Analytics, with the
// Azure Files share registered as environment storage so apps can mount it.
@description('Environment name.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the environment.')
param tags object = {}

@description('Name of the Log Analytics workspace (same resource group) that receives the logs.')
param logAnalyticsWorkspaceName string

@description('Name of the storage account (same resource group) holding the file share.')
param storageAccountName string

@description('Name of the file share to register.')
param fileShareName string

@description('Name of the environment storage entry apps refer to in their volumes.')
param storageName string = 'files'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {
  name: storageAccountName
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
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: false
  }
}

resource files 'Microsoft.App/managedEnvironments/storages@2024-03-01' = {
  parent: environment
  name: storageName
  properties: {
    azureFile: {
      accountName: storageAccount.name
      accountKey: storageAccount.listKeys().keys[0].value
      shareName: fileShareName
      accessMode: 'ReadWrite'
    }
  }
}

output id string = environment.id
output name string = environment.name
output defaultDomain string = environment.properties.defaultDomain
output storageName string = files.name
