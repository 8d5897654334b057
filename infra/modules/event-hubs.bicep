// Event Hubs, the Kafka path of the event log in Azure: a Standard namespace (its Kafka endpoint is
// <namespace>.servicebus.windows.net:9093) with the one topic the relay publishes to, reached through a private endpoint
// in the platform's network. The apps sign in with their managed identity (OAUTHBEARER; the namespace then takes no
// key at all) or, as the alternative, with a connection string that provisioning keeps in Key Vault (SASL PLAIN).
// Kafka consumer groups need nothing here: Event Hubs makes one when the first member joins, and they are not the
// event hub's own consumer groups (nor count against their limit of 20 on Standard).
@description('Namespace name: 6-50 letters, digits and hyphens, globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {}

@description('How the apps sign in: AzureManagedIdentity (no shared keys at all) or ConnectionString (a Send and Listen key).')
@allowed(['AzureManagedIdentity', 'ConnectionString'])
param authentication string

@description('The topic (event hub) every event goes to; the services\' EventLog:Kafka:Topic.')
param topic string = 'chatplatform-events'

@description('Partitions of the topic: the most instances of one consumer that share its events (fixed once created on Standard).')
@minValue(1)
@maxValue(32)
param partitionCount int = 8

@description('Throughput units (1 MB/s or 1000 events/s in, 2 MB/s out, each).')
@minValue(1)
@maxValue(40)
param capacity int = 1

@description('Principal (the apps\' managed identity) that gets Azure Event Hubs Data Sender and Data Receiver on the namespace.')
param dataPrincipalId string

@description('Subnet of the private endpoint the apps reach the namespace through.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.servicebus.windows.net zone.')
param privateDnsZoneId string

// The relay (in any service) sends; every consumer receives.
var dataSenderRoleId = '2b629674-e913-4c01-ae53-ef4638d8f975'
var dataReceiverRoleId = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: capacity
  }
  properties: {
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Disabled'
    // With the managed identity no key is needed, so none is accepted.
    disableLocalAuth: authentication == 'AzureManagedIdentity'
  }
}

resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: topic
  properties: {
    partitionCount: partitionCount
    // Standard keeps events up to 7 days: a consumer stopped longer than that misses the oldest.
    messageRetentionInDays: 7
  }
}

// Used only with the connection string: a key that sends and listens, no more (not Manage).
resource appsRule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' = if (authentication == 'ConnectionString') {
  parent: namespace
  name: 'apps'
  properties: {
    rights: ['Send', 'Listen']
  }
}

resource dataSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, dataPrincipalId, dataSenderRoleId)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSenderRoleId)
    principalId: dataPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource dataReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, dataPrincipalId, dataReceiverRoleId)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiverRoleId)
    principalId: dataPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module privateEndpoint 'private-endpoint.bicep' = {
  name: '${name}-private-endpoint'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: privateEndpointSubnetId
    serviceId: namespace.id
    groupId: 'namespace'
    privateDnsZoneId: privateDnsZoneId
  }
}

output name string = namespace.name
output topic string = eventHub.name
// The Kafka bootstrap servers (no secret): the services' ConnectionStrings:kafka with the managed identity.
output kafkaBootstrapServers string = '${namespace.name}.servicebus.windows.net:9093'
// The key's rule (empty without one): apps.bicep reads its connection string straight into Key Vault.
output appsRuleName string = authentication == 'ConnectionString' ? appsRule.name : ''
