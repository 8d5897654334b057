// ChatPlatform on Azure Container Apps, provisioned by `azd up` (azure.yaml at the repository root).
// Creates one resource group rg-<environmentName> holding: Log Analytics, a Container Apps environment,
// a container registry with a pull identity, PostgreSQL Flexible Server (database chatdb), Azure Cache for Redis,
// a storage account whose blob service holds ingestion's files, Key Vault, Event Hubs (unless eventHubs is none), and
// one container app per service; all in one virtual network, where only gateway and web are reachable from outside.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the principal running azd; gets AcrPush on the registry. Empty: none.')
param principalId string = ''

@description('PostgreSQL administrator login.')
param postgresAdministratorLogin string = 'chatadmin'

@secure()
@description('PostgreSQL administrator password; azd generates it once and keeps it in the environment config.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 32
      noSpecial: true
      minLower: 2
      minUpper: 2
      minNumeric: 2
    }
  }
})
param postgresAdministratorPassword string

@secure()
@description('The key the services sign internal tokens with (Internal__Key): azd generates it once at the first provisioning (44 letters and digits are valid base64 of 33 bytes) and it is kept in Key Vault.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 44
      noSpecial: true
      minLower: 2
      minUpper: 2
      minNumeric: 2
    }
  }
})
param internalKey string

@secure()
@description('The key the gateway signs access tokens with (Auth__SigningKey), generated and kept as the internal key is. Without it the gateway refuses to start outside Development.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 44
      noSpecial: true
      minLower: 2
      minUpper: 2
      minNumeric: 2
    }
  }
})
param signingKey string

@secure()
@description('The key with which web vouches to the gateway for its users\' addresses (Auth__WebClientKey), generated and kept as the internal key is. Without it every web user would share the web app\'s address in sign-in throttling.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 44
      noSpecial: true
      minLower: 2
      minUpper: 2
      minNumeric: 2
    }
  }
})
param webClientKey string

@description('The email whose account is the admin (Auth__AdminEmail). Set it on a public deployment: then only that account is made admin, not whoever registers first. Empty: the first account registered is the admin.')
param adminEmail string = ''

@description('PostgreSQL major version.')
@allowed(['15', '16'])
param postgresVersion string = '16'

@description('PostgreSQL compute SKU.')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL compute tier matching postgresSkuName.')
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'Burstable'

@description('PostgreSQL zone-redundant high availability; on by default for non-Burstable SKUs. On with a Burstable SKU, General Purpose Standard_D2ds_v5 is deployed instead (Burstable cannot have it).')
param postgresHighAvailability bool = postgresSkuTier != 'Burstable'

@description('Days of PostgreSQL backups kept for point-in-time restore (7-35).')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 7

@description('PostgreSQL backups copied to the paired region; fixed when the server is created.')
param postgresGeoRedundantBackup bool = true

@description('Npgsql pool size per service replica (B1ms allows about 35 user connections in all; each replica also holds one listen connection outside the pool).')
@minValue(1)
param postgresMaxPoolSize int = 6

@description('Azure Cache for Redis SKU.')
@allowed(['Basic', 'Standard', 'Premium'])
param redisSkuName string = 'Basic'

@description('Azure Cache for Redis family (C: Basic/Standard, P: Premium).')
@allowed(['C', 'P'])
param redisSkuFamily string = 'C'

@description('Azure Cache for Redis capacity (C0 = 250 MB).')
param redisSkuCapacity int = 0

@description('Self-hosted inference on a serverless GPU: none, T4 or A100. Needs serverless GPU quota in the region (see infra/README.md).')
@allowed(['none', 'T4', 'A100'])
param gpuInference string = 'none'

@description('Event Hubs for the event log (its Kafka endpoint), and how the apps sign in to it: AzureManagedIdentity (Entra ID tokens, no keys), ConnectionString (a key kept in Key Vault), or none (no Event Hubs: the consumers read the log from PostgreSQL, as on one machine).')
@allowed(['AzureManagedIdentity', 'ConnectionString', 'none'])
param eventHubs string = 'AzureManagedIdentity'

@description('Partitions of the Event Hubs topic: the most instances of one consumer that share its events. Fixed once created.')
@minValue(1)
@maxValue(32)
param eventHubsPartitionCount int = 8

@description('Address space of the platform\'s virtual network (a /16 is split into the apps\', PostgreSQL\'s and the private endpoints\' subnets).')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Hugging Face id of the open instruct model the GPU serves.')
param gpuModel string = 'Qwen/Qwen2.5-1.5B-Instruct'

@description('The hosted model that answers for the GPU model while it is down or scaled to zero (used when a hosted provider key is set).')
param gpuFailoverModel string = 'gpt-4o-mini'

// Set by azd before provisioning (SERVICE_<NAME>_RESOURCE_EXISTS): keeps the deployed image on re-provision.
param gatewayExists bool = false
param chatExists bool = false
param modelRouterExists bool = false
param ingestionExists bool = false
param billingExists bool = false
param webExists bool = false

// LLM provider settings, passed to model-router only when set: `azd env set OPENAI_API_KEY ...`.
@secure()
param openAiApiKey string = ''

@secure()
param anthropicApiKey string = ''

@secure()
param azureOpenAiEndpoint string = ''

@secure()
param azureOpenAiApiKey string = ''

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: 'cr${resourceToken}'
    identityName: 'id-apps-${resourceToken}'
    location: location
    tags: tags
    principalId: principalId
  }
}

// The data services are reached only from here: PostgreSQL injected into a subnet, the rest through private endpoints.
module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: rg
  params: {
    name: 'psql-${resourceToken}'
    location: location
    tags: tags
    administratorLogin: postgresAdministratorLogin
    administratorLoginPassword: postgresAdministratorPassword
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    highAvailability: postgresHighAvailability
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    databaseName: 'chatdb'
    delegatedSubnetId: network.outputs.postgresSubnetId
    virtualNetworkId: network.outputs.id
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    name: 'redis-${resourceToken}'
    location: location
    tags: tags
    skuName: redisSkuName
    skuFamily: redisSkuFamily
    skuCapacity: redisSkuCapacity
    privateEndpointSubnetId: network.outputs.privateEndpointsSubnetId
    privateDnsZoneId: network.outputs.redisZoneId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    blobDataPrincipalId: registry.outputs.identityPrincipalId
    privateEndpointSubnetId: network.outputs.privateEndpointsSubnetId
    privateDnsZoneId: network.outputs.blobZoneId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    readerPrincipalId: registry.outputs.identityPrincipalId
    privateEndpointSubnetId: network.outputs.privateEndpointsSubnetId
    privateDnsZoneId: network.outputs.vaultZoneId
  }
}

module eventHubsNamespace 'modules/event-hubs.bicep' = if (eventHubs != 'none') {
  name: 'event-hubs'
  scope: rg
  params: {
    name: 'evhns-${resourceToken}'
    location: location
    tags: tags
    authentication: eventHubs == 'ConnectionString' ? 'ConnectionString' : 'AzureManagedIdentity'
    partitionCount: eventHubsPartitionCount
    dataPrincipalId: registry.outputs.identityPrincipalId
    privateEndpointSubnetId: network.outputs.privateEndpointsSubnetId
    privateDnsZoneId: network.outputs.eventHubsZoneId
  }
}

module containerAppsEnvironment 'modules/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  scope: rg
  params: {
    name: 'cae-${resourceToken}'
    location: location
    tags: tags
    logAnalyticsWorkspaceName: monitoring.outputs.name
    infrastructureSubnetId: network.outputs.appsSubnetId
    gpuWorkloadProfileType: gpuInference == 'T4' ? 'Consumption-GPU-NC8as-T4' : gpuInference == 'A100' ? 'Consumption-GPU-NC24-A100' : ''
  }
}

module gpu 'modules/gpu-inference.bicep' = if (gpuInference != 'none') {
  name: 'gpu-inference'
  scope: rg
  params: {
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.gpuWorkloadProfileName
    gpu: gpuInference == 'A100' ? 'A100' : 'T4'
    model: gpuModel
  }
}

module apps 'modules/apps.bicep' = {
  name: 'apps'
  scope: rg
  params: {
    environmentName: environmentName
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerAppsEnvironmentDefaultDomain: containerAppsEnvironment.outputs.defaultDomain
    blobEndpoint: storage.outputs.blobEndpoint
    identityId: registry.outputs.identityId
    identityClientId: registry.outputs.identityClientId
    registryServer: registry.outputs.loginServer
    postgresFqdn: postgres.outputs.fqdn
    postgresAdministratorLogin: postgres.outputs.administratorLogin
    postgresAdministratorPassword: postgresAdministratorPassword
    databaseName: postgres.outputs.databaseName
    postgresMaxPoolSize: postgresMaxPoolSize
    redisName: redis.outputs.name
    exists: {
      gateway: gatewayExists
      chat: chatExists
      'model-router': modelRouterExists
      ingestion: ingestionExists
      billing: billingExists
      web: webExists
    }
    keyVaultName: keyVault.outputs.name
    kafkaAuthentication: eventHubs
    eventHubsNamespaceName: eventHubs == 'none' ? '' : eventHubsNamespace!.outputs.name
    kafkaBootstrapServers: eventHubs == 'none' ? '' : eventHubsNamespace!.outputs.kafkaBootstrapServers
    kafkaTopic: eventHubs == 'none' ? '' : eventHubsNamespace!.outputs.topic
    gpuBaseUrl: gpuInference == 'none' ? '' : gpu!.outputs.baseUrl
    gpuModel: gpuModel
    gpuFailoverModel: gpuFailoverModel
    internalKey: internalKey
    signingKey: signingKey
    webClientKey: webClientKey
    adminEmail: adminEmail
    openAiApiKey: openAiApiKey
    anthropicApiKey: anthropicApiKey
    azureOpenAiEndpoint: azureOpenAiEndpoint
    azureOpenAiApiKey: azureOpenAiApiKey
  }
}

// azd reads these into the environment (.azure/<env>/.env). No secrets here.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = containerAppsEnvironment.outputs.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = containerAppsEnvironment.outputs.defaultDomain
output AZURE_APPS_IDENTITY_CLIENT_ID string = registry.outputs.identityClientId
output AZURE_POSTGRES_HOST string = postgres.outputs.fqdn
output AZURE_REDIS_HOST string = redis.outputs.hostName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_EVENT_HUBS_NAMESPACE string = eventHubs == 'none' ? '' : eventHubsNamespace!.outputs.name
output AZURE_VNET_NAME string = network.outputs.name
output WEB_URL string = apps.outputs.webUri
output GATEWAY_URL string = apps.outputs.gatewayUri
