// Azure Cache for Redis: TLS only (port 6380), no public endpoint: the apps reach it through a private endpoint in the
// platform's network. Holds rebuildable state only (rate limits, quotas, stream buffers).
@description('Cache name: globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the cache.')
param tags object = {}

@description('SKU: Basic (no SLA, single node), Standard (replicated) or Premium.')
@allowed(['Basic', 'Standard', 'Premium'])
param skuName string = 'Basic'

@description('SKU family: C for Basic/Standard, P for Premium.')
@allowed(['C', 'P'])
param skuFamily string = 'C'

@description('Size within the family: C0 is 250 MB.')
@minValue(0)
@maxValue(6)
param skuCapacity int = 0

@description('Subnet of the private endpoint the apps reach the cache through.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.redis.cache.windows.net zone.')
param privateDnsZoneId string

resource redis 'Microsoft.Cache/redis@2023-08-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
      family: skuFamily
      capacity: skuCapacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Disabled'
  }
}

module privateEndpoint 'private-endpoint.bicep' = {
  name: '${name}-private-endpoint'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: privateEndpointSubnetId
    serviceId: redis.id
    groupId: 'redisCache'
    privateDnsZoneId: privateDnsZoneId
  }
}

output name string = redis.name
output hostName string = redis.properties.hostName
output sslPort int = redis.properties.sslPort
