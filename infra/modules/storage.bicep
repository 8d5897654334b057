// Storage account with the Azure Files share that holds ingestion's blob store (mounted at /mnt/files).
@description('Account name: 3-24 lowercase letters and digits, globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the account.')
param tags object = {}

@description('Name of the file share.')
param shareName string = 'files'

@description('Share quota in GiB.')
param shareQuotaGiB int = 100

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
    // The Container Apps environment mounts the share with the account key.
    allowSharedKeyAccess: true
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2023-01-01' = {
  parent: account
  name: 'default'
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-01-01' = {
  parent: fileService
  name: shareName
  properties: {
    shareQuota: shareQuotaGiB
    enabledProtocols: 'SMB'
  }
}

output name string = account.name
output shareName string = share.name
