// One ChatPlatform service as a container app: user-assigned identity for ACR pulls, HTTP ingress on 8080,
// the configuration contract as env vars (secrets for anything holding a password), health probes, scaling.
@description('Container app name; inside the environment the app answers at http://<name>.')
param name string

@description('The azure.yaml service this app hosts; azd finds the app by the azd-service-name tag.')
param serviceName string

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the app (azd-service-name is added).')
param tags object = {}

@description('Resource id of the Container Apps environment.')
param containerAppsEnvironmentId string

@description('Resource id of the user-assigned identity the app runs as and pulls images with.')
param identityId string

@description('Login server of the container registry, e.g. crxyz.azurecr.io.')
param registryServer string

@description('Whether the app exists already (azd: SERVICE_<NAME>_RESOURCE_EXISTS); if so its current image is kept.')
param exists bool = false

@description('External ingress (reachable from the internet) or internal to the environment only.')
param external bool = false

@description('Port the container listens on.')
param targetPort int = 8080

@description('Environment variables: {name, value} or {name, secretRef}.')
param env array = []

@description('Secrets: an object whose keys are secret names (lowercase letters, digits, hyphens) and values the URLs of the Key Vault secrets they are read from, with the app\'s identity. No secret value passes through here.')
param vaultReferences object = {}

@description('Minimum replica count.')
@minValue(0)
param minReplicas int = 1

@description('Maximum replica count.')
@minValue(1)
param maxReplicas int = 3

@description('Concurrent HTTP requests per replica before scaling out; 0 keeps the platform default rule.')
@minValue(0)
param httpConcurrentRequests int = 0

@description('Session affinity at the ingress (Blazor Server circuits).')
param stickySessions bool = false

@description('vCPU per replica (0.25 steps, with memory = 2 x cpu Gi on Consumption).')
param cpu string = '0.5'

@description('Memory per replica.')
param memory string = '1Gi'

@description('Liveness path (the process answers).')
param livenessPath string = '/alive'

@description('Readiness path (dependencies checked).')
param readinessPath string = '/health'

// Used until `azd deploy` pushes the service's own image. It is an ASP.NET Core app listening on 8080 too,
// so the platform's default TCP probes pass on the first provision.
var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'

module fetchImage 'fetch-container-image.bicep' = {
  name: '${name}-fetch-image'
  params: {
    exists: exists
    name: name
  }
}

var image = fetchImage.outputs.containers[?0].?image ?? placeholderImage

// The HTTP probes go on once the app runs the service's own image (the placeholder has no /alive or /health);
// until then the platform's default TCP probes on the target port apply.
var probes = exists
  ? [
      {
        type: 'Startup'
        httpGet: {
          path: livenessPath
          port: targetPort
          scheme: 'HTTP'
        }
        initialDelaySeconds: 1
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 10
      }
      {
        type: 'Liveness'
        httpGet: {
          path: livenessPath
          port: targetPort
          scheme: 'HTTP'
        }
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      }
      {
        type: 'Readiness'
        httpGet: {
          path: readinessPath
          port: targetPort
          scheme: 'HTTP'
        }
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      }
    ]
  : []

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: external
        targetPort: targetPort
        transport: 'auto'
        // Internal apps are called as http://<name> inside the environment: plain HTTP must not be redirected.
        allowInsecure: !external
        stickySessions: stickySessions ? { affinity: 'sticky' } : null
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: [
        for secret in items(vaultReferences): {
          name: secret.key
          keyVaultUrl: secret.value
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: serviceName
          image: image
          env: env
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          probes: probes
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: httpConcurrentRequests > 0
          ? [
              {
                name: 'http-concurrency'
                http: {
                  metadata: {
                    concurrentRequests: string(httpConcurrentRequests)
                  }
                }
              }
            ]
          : []
      }
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
