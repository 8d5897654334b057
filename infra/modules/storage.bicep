// Storage account whose blob service holds ingestion's files, read and written by the apps' managed identity through a
// private endpoint in the platform's network: no shared keys, no public endpoint.
@description('Account name: 3-24 lowercase letters and digits, globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the account.')
param tags object = {}

@description('Principal (the apps\' managed identity) given Storage Blob Data Contributor on the account.')
param blobDataPrincipalId string

@description('Subnet of the private endpoint the apps reach the blobs through.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.blob zone.')
param privateDnsZoneId string

// Storage Blob Data Contributor.
var blobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Only Entra ID: the apps sign in with their managed identity, and no account key exists to leak.
    allowSharedKeyAccess: false
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
    }
  }
}

module privateEndpoint 'private-endpoint.bicep' = {
  name: '${name}-private-endpoint'
  params: {
    name: 'pe-${name}-blob'
    location: location
    tags: tags
    subnetId: privateEndpointSubnetId
    serviceId: account.id
    groupId: 'blob'
    privateDnsZoneId: privateDnsZoneId
  }
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, blobDataPrincipalId, blobDataContributorRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributorRoleId)
    principalId: blobDataPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
