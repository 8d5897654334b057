// Azure Database for PostgreSQL Flexible Server with the platform's one database, injected into the platform's network
// (a delegated subnet and a private DNS zone): it has no public endpoint, and only the network reaches it.
@description('Server name: 3-63 lowercase letters, digits and hyphens, globally unique.')
param name string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the server.')
param tags object = {}

@description('Administrator login name.')
param administratorLogin string

@secure()
@description('Administrator password.')
param administratorLoginPassword string

@description('PostgreSQL major version.')
@allowed(['15', '16'])
param version string = '16'

@description('Compute SKU, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string = 'Standard_B1ms'

@description('Compute tier matching skuName.')
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param skuTier string = 'Burstable'

@description('Storage size in GiB.')
param storageSizeGB int = 32

@description('Name of the database the services share.')
param databaseName string = 'chatdb'

@description('Zone-redundant high availability: a standby in another zone that takes over on failure. The Burstable tier cannot have it, so turning it on with a Burstable SKU deploys General Purpose Standard_D2ds_v5 instead.')
param highAvailability bool = skuTier != 'Burstable'

@description('Days of backups kept for point-in-time restore.')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 7

@description('Resource id of the subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers that the server is injected into.')
param delegatedSubnetId string

@description('Resource id of the virtual network, which the server\'s private DNS zone is linked to.')
param virtualNetworkId string

@description('Backups copied to the paired region, so a regional outage can be restored from. Azure fixes this when the server is created: changing it on an existing server fails.')
param geoRedundantBackup bool = true

// Burstable has no HA: with HA on, the smallest General Purpose SKU replaces it, so the two always agree. One line:
// the tests evaluate it with `bicep console`.
func consistentSku(name string, tier string, highAvailability bool) object => highAvailability && tier == 'Burstable' ? { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' } : { name: name, tier: tier }

var sku = consistentSku(skuName, skuTier, highAvailability)

// The server's host name (<name>.postgres.database.azure.com) resolves, inside the network, through this zone to the
// server's address in its subnet. A zone of the server's own keeps two deployments in one network apart.
resource dnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${name}.private.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource dnsZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: dnsZone
  name: 'postgres'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: sku
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorLoginPassword
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: highAvailability ? 'ZoneRedundant' : 'Disabled'
    }
    // Injected into the network: no public endpoint, no firewall rules. Fixed when the server is created (a server
    // created with public access cannot be moved into a network; restore it into a new one).
    network: {
      delegatedSubnetResourceId: delegatedSubnetId
      privateDnsZoneArmResourceId: dnsZone.id
      publicNetworkAccess: 'Disabled'
    }
  }
  dependsOn: [
    dnsZoneLink
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Azure allows only the extensions named here to be created: the services' migrations create these (pgvector for
// ingestion's chunks, unaccent and btree_gin for chat's search), and would stop their start-up otherwise. One server
// change at a time: after the database.
resource extensions 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'azure.extensions'
  properties: {
    value: 'VECTOR,UNACCENT,BTREE_GIN'
    source: 'user-override'
  }
  dependsOn: [
    database
  ]
}

output name string = server.name
output fqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
output administratorLogin string = administratorLogin
output skuName string = sku.name
output highAvailabilityMode string = server.properties.highAvailability.mode
