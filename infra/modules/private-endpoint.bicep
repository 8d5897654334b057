// A private endpoint for one service (Redis, a storage account's blobs, a Key Vault, an Event Hubs namespace) in the
// platform's network, registered in its Private Link DNS zone so the service's usual host name resolves to it.
@description('Endpoint name.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the endpoint.')
param tags object = {}

@description('Subnet the endpoint takes an address in.')
param subnetId string

@description('Resource id of the service reached.')
param serviceId string

@description('The service\'s sub-resource: redisCache, blob, vault or namespace.')
param groupId string

@description('Resource id of the Private Link DNS zone for that sub-resource.')
param privateDnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: serviceId
          groupIds: [groupId]
        }
      }
    ]
  }
}

resource dnsZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: privateDnsZoneId
        }
      }
    ]
  }
}

output id string = endpoint.id
