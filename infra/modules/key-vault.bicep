// The Key Vault that holds every secret the apps read (signing and internal keys, connection strings, provider keys).
// The container apps reference its secrets through their managed identity; no secret value sits in an app's definition.
// They reach it through a private endpoint; its public endpoint denies every address (an operator who must write a
// secret by hand adds their own address for the while: see infra/README.md), while provisioning writes secrets
// through Azure Resource Manager, which the vault's firewall does not govern.
@description('Vault name: 3-24 letters, digits and hyphens, globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the vault.')
param tags object = {}

@description('Principal (the apps\' managed identity) given Key Vault Secrets User on the vault.')
param readerPrincipalId string

@description('Subnet of the private endpoint the apps reach the vault through.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.vaultcore.azure.net zone.')
param privateDnsZoneId string

// Key Vault Secrets User: read secret values, nothing else.
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access by Azure RBAC only: no access policies to drift from the role assignments.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      // Trusted Azure services only; the apps come through the private endpoint.
      bypass: 'AzureServices'
      ipRules: []
      virtualNetworkRules: []
    }
  }
}

module privateEndpoint 'private-endpoint.bicep' = {
  name: '${name}-private-endpoint'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: privateEndpointSubnetId
    serviceId: vault.id
    groupId: 'vault'
    privateDnsZoneId: privateDnsZoneId
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, secretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
