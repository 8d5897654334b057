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

@description('Npgsql pool size per service replica. Burstable B1ms allows about 35 user connections in all: keep (services x replicas x this) under the server\'s max_connections.')
@minValue(1)
param postgresMaxPoolSize int = 6

@description('Name of the Azure Cache for Redis (same resource group).')
param redisName string

@description('Which apps exist already, by service name (azd SERVICE_<NAME>_RESOURCE_EXISTS).')
param exists object

@secure()
@description('The internal key (Internal__Key) every service but web signs and checks internal tokens with.')
param internalKey string

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

// Connection strings in the formats the services parse: Npgsql, and StackExchange.Redis over TLS.
var chatdbConnectionString = 'Host=${postgresFqdn};Port=5432;Database=${databaseName};Username=${postgresAdministratorLogin};Password=${postgresAdministratorPassword};SSL Mode=Require;Maximum Pool Size=${postgresMaxPoolSize}'
var redisConnectionString = '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'

var dataSecrets = {
  'chatdb-connection': chatdbConnectionString
  'redis-connection': redisConnectionString
}

// Every service but web: the key of internal tokens, which tell a service who a call acts for.
var internalSecrets = {
  'internal-key': internalKey
}

var internalEnv = [
  {
    name: 'Internal__Key'
    secretRef: 'internal-key'
  }
]

var dataEnv = [
  {
    name: 'ConnectionStrings__chatdb'
    secretRef: 'chatdb-connection'
  }
  {
    name: 'ConnectionStrings__redis'
    secretRef: 'redis-connection'
  }
]

// Every app: the port, forwarded headers (TLS ends at the Container Apps ingress), telemetry resource attributes;
// OTEL_SERVICE_NAME is added per app.
var baseEnv = [
  {
    name: 'ASPNETCORE_HTTP_PORTS'
    value: '8080'
  }
  {
    name: 'ASPNETCORE_FORWARDEDHEADERS_ENABLED'
    value: 'true'
  }
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES'
    value: 'deployment.environment=${environmentName}'
  }
]

// References to internal apps: clients ask for http://<service> and service discovery reads
// services__<service>__http__0. Inside the environment an app answers at http://<app name>, and the apps are
// named after their services.
var internalReferences = toObject(['chat', 'model-router', 'ingestion', 'billing'], service => service, service => {
  name: 'services__${service}__http__0'
  value: 'http://${service}'
})

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
var providerSecrets = toObject(providerSettingsSet, setting => setting.secret, setting => setting.value)
var providerEnv = map(providerSettingsSet, setting => {
  name: setting.env
  secretRef: setting.secret
})

// External apps answer at https://<name>.<environment default domain>.
var gatewayUri = 'https://gateway.${containerAppsEnvironmentDefaultDomain}'

module modelRouter 'container-app.bicep' = {
  name: 'app-model-router'
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
    env: concat(baseEnv, [{ name: 'OTEL_SERVICE_NAME', value: 'model-router' }], dataEnv, internalEnv, providerEnv)
    secrets: union(dataSecrets, internalSecrets, providerSecrets)
  }
}

module ingestion 'container-app.bicep' = {
  name: 'app-ingestion'
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
    // The blob endpoint, not a connection string: ingestion signs in with the apps' managed identity.
    env: concat(baseEnv, [{ name: 'OTEL_SERVICE_NAME', value: 'ingestion' }], dataEnv, internalEnv, [
      {
        name: 'ConnectionStrings__blobs'
        value: blobEndpoint
      }
      {
        name: 'AZURE_CLIENT_ID'
        value: identityClientId
      }
    ])
    secrets: union(dataSecrets, internalSecrets)
  }
}

module billing 'container-app.bicep' = {
  name: 'app-billing'
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
    env: concat(baseEnv, [{ name: 'OTEL_SERVICE_NAME', value: 'billing' }], dataEnv, internalEnv)
    secrets: union(dataSecrets, internalSecrets)
  }
}

module chat 'container-app.bicep' = {
  name: 'app-chat'
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
    env: concat(baseEnv, [{ name: 'OTEL_SERVICE_NAME', value: 'chat' }], dataEnv, internalEnv, [
      internalReferences['model-router']
      internalReferences.ingestion
    ])
    secrets: union(dataSecrets, internalSecrets)
  }
}

module gateway 'container-app.bicep' = {
  name: 'app-gateway'
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
    env: concat(baseEnv, [{ name: 'OTEL_SERVICE_NAME', value: 'gateway' }], dataEnv, internalEnv, [
      internalReferences.chat
      internalReferences['model-router']
      internalReferences.ingestion
      internalReferences.billing
    ])
    secrets: union(dataSecrets, internalSecrets)
  }
}

module web 'container-app.bicep' = {
  name: 'app-web'
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
    // The gateway has external ingress, which redirects plain HTTP to HTTPS; so web calls it at its HTTPS
    // address (service discovery takes the scheme from the configured URL).
    env: concat(baseEnv, [{ name: 'OTEL_SERVICE_NAME', value: 'web' }], [
      {
        name: 'services__gateway__http__0'
        value: gatewayUri
      }
      {
        name: 'services__gateway__https__0'
        value: gatewayUri
      }
    ])
  }
}

output gatewayUri string = gateway.outputs.uri
output webUri string = web.outputs.uri
