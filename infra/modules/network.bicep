// The platform's private network. The Container Apps environment runs in subnet `apps`; PostgreSQL is injected into
// its delegated subnet `postgres`; Redis, Storage, Key Vault and Event Hubs are reached through private endpoints in
// `private-endpoints`. The private DNS zones make the services' usual host names resolve to private addresses inside
// the network, so the apps' connection strings do not change.
@description('Virtual network name.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {}

@description('Address space; the subnets take its first four /24s (apps a /23, then postgres and private-endpoints).')
param addressPrefix string = '10.40.0.0/16'

// Private Link zones (fixed names: Azure answers these CNAMEs for the public host names), in the outputs' order.
var zoneNames = [
  'privatelink.redis.cache.windows.net'
  'privatelink.blob.${environment().suffixes.storage}'
  'privatelink.vaultcore.azure.net'
  'privatelink.servicebus.windows.net'
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        // A workload-profiles environment needs at least a /27 delegated to it; a /23 leaves room to scale out.
        name: 'apps'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 23, 0)
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 2)
          delegations: [
            {
              name: 'postgres-flexible-server'
              properties: {
                serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 3)
        }
      }
    ]
  }

  resource appsSubnet 'subnets' existing = {
    name: 'apps'
  }

  resource postgresSubnet 'subnets' existing = {
    name: 'postgres'
  }

  resource privateEndpointsSubnet 'subnets' existing = {
    name: 'private-endpoints'
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for zone in zoneNames: {
  name: zone
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [for (zone, i) in zoneNames: {
  parent: zones[i]
  name: vnet.name
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

output id string = vnet.id
output name string = vnet.name
output appsSubnetId string = vnet::appsSubnet.id
output postgresSubnetId string = vnet::postgresSubnet.id
output privateEndpointsSubnetId string = vnet::privateEndpointsSubnet.id
output redisZoneId string = zones[0].id
output blobZoneId string = zones[1].id
output vaultZoneId string = zones[2].id
output eventHubsZoneId string = zones[3].id
