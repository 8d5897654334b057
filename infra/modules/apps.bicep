// The six ChatPlatform container apps and the configuration contract each one gets
// (see /ARCHITECTURE.md: connection strings, service endpoints, telemetry, provider secrets).
@description('azd environment name (used in OTEL_RESOURCE_ATTRIBUTES).')
param environmentName string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to every app.')
param tags object = {}

@description('Resource id of the Container Apps environment.')
param containerAppsEnvironmentId string

@description('Default domain of the Container Apps environment.')
param containerAppsEnvironmentDefaultDomain string

@description('Blob endpoint of the storage account that holds ingestion\'s files.')
param blobEndpoint string

@description('Client id of the user-assigned identity the apps run as (for Entra ID sign-in to storage).')
param identityClientId string

@description('Resource id of the user-assigned identity the apps run as.')
param identityId string

@description('Login server of the container registry.')
param registryServer string

@description('FQDN of the PostgreSQL server.')
param postgresFqdn string

@description('PostgreSQL administrator login.')
param postgresAdministratorLogin string

@secure()
@description('PostgreSQL administrator password.')
param postgresAdministratorPassword string

@description('Name of the database.')
param databaseName string

@description('Npgsql pool size per service replica. Burstable B1ms allows about 35 user connections in all: keep (services x replicas x (this + 1)) under the server\'s max_connections (the + 1: the event log\'s listen connection).')
@minValue(1)
param postgresMaxPoolSize int = 6

@description('Name of the Azure Cache for Redis (same resource group).')
param redisName string

@description('Which apps exist already, by service name (azd SERVICE_<NAME>_RESOURCE_EXISTS).')
param exists object

@description('Name of the Key Vault the apps read their secrets from (the identity above may read them).')
param keyVaultName string

@description('Base URL of the GPU inference server (http://vllm/v1), or empty when there is none.')
param gpuBaseUrl string = ''

@description('The model the GPU serves.')
param gpuModel string = ''

@description('The hosted model behind the GPU model.')
param gpuFailoverModel string = ''

@description('How the apps sign in to Event Hubs\' Kafka endpoint (EventLog:Kafka:Authentication), or none: no Event Hubs, the event log\'s consumers read PostgreSQL.')
@allowed(['none', 'AzureManagedIdentity', 'ConnectionString'])
param kafkaAuthentication string = 'none'

@description('The Event Hubs namespace (same resource group); empty without Event Hubs.')
param eventHubsNamespaceName string = ''

@description('The namespace\'s Kafka bootstrap servers (<namespace>.servicebus.windows.net:9093).')
param kafkaBootstrapServers string = ''

@description('The topic (event hub) the relay publishes to.')
param kafkaTopic string = ''

@secure()
@description('The internal key (Internal__Key) every service but web signs and checks internal tokens with.')
param internalKey string

@secure()
@description('The key the gateway signs access tokens with (Auth__SigningKey).')
param signingKey string

@secure()
@description('The key with which web vouches to the gateway for its users\' addresses (Auth__WebClientKey).')
param webClientKey string

@description('The email whose account is the admin (the gateway\'s Auth__AdminEmail); empty: none by email.')
param adminEmail string = ''

@secure()
param openAiApiKey string = ''

@secure()
param anthropicApiKey string = ''

@secure()
param azureOpenAiEndpoint string = ''

@secure()
param azureOpenAiApiKey string = ''

resource redis 'Microsoft.Cache/redis@2023-08-01' existing = {
  name: redisName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

var kafka = kafkaAuthentication != 'none'

// The key event-hubs.bicep makes for the connection-string path (Send and Listen).
resource eventHubsAppsRule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' existing = if (kafkaAuthentication == 'ConnectionString') {
  name: '${eventHubsNamespaceName}/apps'
}

// Connection strings in the formats the services parse: Npgsql, and StackExchange.Redis over TLS.
var chatdbConnectionString = 'Host=${postgresFqdn};Port=5432;Database=${databaseName};Username=${postgresAdministratorLogin};Password=${postgresAdministratorPassword};SSL Mode=Require;Maximum Pool Size=${postgresMaxPoolSize}'
var redisConnectionString = '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'
// ConnectionStrings:kafka, a vault secret either way (one setting, one place): the namespace's connection string with
// its key, or with the managed identity only the bootstrap servers, which are no secret.
var kafkaConnectionString = kafkaAuthentication == 'ConnectionString' ? eventHubsAppsRule!.listKeys().primaryConnectionString : kafkaBootstrapServers

// Provider settings reach model-router only when set (azd env set OPENAI_API_KEY ...).
var providerSettings = [
  {
    env: 'OPENAI_API_KEY'
    secret: 'openai-api-key'
    value: openAiApiKey
  }
  {
    env: 'ANTHROPIC_API_KEY'
    secret: 'anthropic-api-key'
    value: anthropicApiKey
  }
  {
    env: 'AZURE_OPENAI_ENDPOINT'
    secret: 'azure-openai-endpoint'
    value: azureOpenAiEndpoint
  }
  {
    env: 'AZURE_OPENAI_API_KEY'
    secret: 'azure-openai-api-key'
    value: azureOpenAiApiKey
  }
]
var providerSettingsSet = filter(providerSettings, setting => !empty(setting.value))

// Every secret an app reads, written to the vault; the apps reference them there by name.
var secretValues = union({
  'chatdb-connection': chatdbConnectionString
  'redis-connection': redisConnectionString
  'internal-key': internalKey
  'signing-key': signingKey
  'web-client-key': webClientKey
  'kafka-connection': kafkaConnectionString
}, toObject(providerSettingsSet, setting => setting.secret, setting => setting.value))

// The names are known before the deployment starts (a loop needs that); the values only during it.
var secretNames = concat(
  ['chatdb-connection', 'redis-connection', 'internal-key', 'signing-key', 'web-client-key'],
  kafka ? ['kafka-connection'] : [],
  map(providerSettingsSet, setting => setting.secret))

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for name in secretNames: {
  parent: vault
  name: name
  properties: {
    value: secretValues[name]
  }
}]

// What each app is given, from the one list the tests start the services with (infra/app-settings.json): a literal,
// one of these values, or a vault secret.
var settings = loadJsonContent('../app-settings.json')

// External apps answer at https://<name>.<environment default domain>. The gateway's external ingress redirects plain
// HTTP to HTTPS, so web calls it at its HTTPS address (service discovery takes the scheme from the configured URL).
var gatewayUri = 'https://gateway.${containerAppsEnvironmentDefaultDomain}'

var values = {
  otelResourceAttributes: 'deployment.environment=${environmentName}'
  blobEndpoint: blobEndpoint
  identityClientId: identityClientId
  gatewayUri: gatewayUri
  adminEmail: adminEmail
  gpuBaseUrl: gpuBaseUrl
  gpuModel: gpuModel
  // Only a model a configured provider serves can stand behind the GPU's (model-router refuses to start otherwise).
  kafkaAuthentication: kafkaAuthentication
  kafkaTopic: kafkaTopic
  gpuFailoverModel: empty(openAiApiKey) && (empty(azureOpenAiEndpoint) || empty(azureOpenAiApiKey)) ? '' : gpuFailoverModel
}

// An app's settings: those of every app, its own, then those for GPU inference and for Event Hubs when they are on;
// model-router adds the provider keys that are set.
var settingsByService = toObject(items(settings.services), service => service.key, service => union(
  settings.all,
  service.value,
  empty(gpuBaseUrl) ? {} : (settings.whenGpu[?service.key] ?? {}),
  kafka ? (settings.whenKafka[?service.key] ?? {}) : {}))

// An app's environment, from its settings: a literal, one of the values above, or a reference to its secret.
var envByService = toObject(items(settingsByService), service => service.key, service => map(
  items(service.value),
  setting => contains(setting.value, 'secret')
    ? { name: setting.key, secretRef: setting.value.secret }
    : { name: setting.key, value: setting.value.?literal ?? values[setting.value.value] }))

// An app's secrets: the vault secrets its settings name (with the provider keys for model-router), by URL.
var secretsByService = toObject(items(settingsByService), service => service.key, service => toObject(
  filter(items(service.value), setting => contains(setting.value, 'secret')),
  setting => setting.value.secret,
  setting => '${vault.properties.vaultUri}secrets/${setting.value.secret}'))

var providerEnv = map(providerSettingsSet, setting => {
  name: setting.env
  secretRef: setting.secret
})
var providerSecrets = toObject(providerSettingsSet, setting => setting.secret, setting => '${vault.properties.vaultUri}secrets/${setting.secret}')

module modelRouter 'container-app.bicep' = {
  name: 'app-model-router'
  dependsOn: [secrets]
  params: {
    name: 'model-router'
    serviceName: 'model-router'
    exists: exists['model-router']
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironmentId
    identityId: identityId
    registryServer: registryServer
    external: false
    maxReplicas: 5
    env: concat(envByService['model-router'], providerEnv)
    vaultReferences: union(secretsByService['model-router'], providerSecrets)
  }
}

module ingestion 'container-app.bicep' = {
  name: 'app-ingestion'
  dependsOn: [secrets]
  params: {
    name: 'ingestion'
    serviceName: 'ingestion'
    exists: exists.ingestion
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironmentId
    identityId: identityId
    registryServer: registryServer
    external: false
    maxReplicas: 3
    cpu: '1.0'
    memory: '2Gi'
    env: envByService.ingestion
    vaultReferences: secretsByService.ingestion
  }
}

module billing 'container-app.bicep' = {
  name: 'app-billing'
  dependsOn: [secrets]
  params: {
    name: 'billing'
    serviceName: 'billing'
    exists: exists.billing
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironmentId
    identityId: identityId
    registryServer: registryServer
    external: false
    maxReplicas: 3
    env: envByService.billing
    vaultReferences: secretsByService.billing
  }
}

module chat 'container-app.bicep' = {
  name: 'app-chat'
  dependsOn: [secrets]
  params: {
    name: 'chat'
    serviceName: 'chat'
    exists: exists.chat
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironmentId
    identityId: identityId
    registryServer: registryServer
    external: false
    maxReplicas: 10
    httpConcurrentRequests: 100
    env: envByService.chat
    vaultReferences: secretsByService.chat
  }
}

module gateway 'container-app.bicep' = {
  name: 'app-gateway'
  dependsOn: [secrets]
  params: {
    name: 'gateway'
    serviceName: 'gateway'
    exists: exists.gateway
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironmentId
    identityId: identityId
    registryServer: registryServer
    external: true
    maxReplicas: 10
    httpConcurrentRequests: 100
    env: envByService.gateway
    vaultReferences: secretsByService.gateway
  }
}

module web 'container-app.bicep' = {
  name: 'app-web'
  dependsOn: [secrets]
  params: {
    name: 'web'
    serviceName: 'web'
    exists: exists.web
    location: location
    tags: tags
    containerAppsEnvironmentId: containerAppsEnvironmentId
    identityId: identityId
    registryServer: registryServer
    external: true
    maxReplicas: 3
    stickySessions: true
    env: envByService.web
    vaultReferences: secretsByService.web
  }
}

output gatewayUri string = gateway.outputs.uri
output webUri string = web.outputs.uri
