// The Key Vault that holds every secret the apps read (signing and internal keys, connection strings, provider keys).
// The container apps reference its secrets through their managed identity; no secret value sits in an app's definition.
@description('Vault name: 3-24 letters, digits and hyphens, globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the vault.')
param tags object = {}

@description('Principal (the apps\' managed identity) given Key Vault Secrets User on the vault.')
param readerPrincipalId string

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
