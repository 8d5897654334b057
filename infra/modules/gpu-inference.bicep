// Self-hosted inference on a serverless GPU: vLLM's OpenAI-compatible server with an open model, internal to the
// environment (model-router calls it at http://vllm/v1), scaled to zero when idle. The model is downloaded from
// Hugging Face when a replica starts, so the first request after idle waits minutes; model-router answers meanwhile
// from the hosted failover model.
@description('Container app name; inside the environment the server answers at http://<name>.')
param name string = 'vllm'

@description('Azure region.')
param location string = resourceGroup().location

@description('Tags applied to the app.')
param tags object = {}

@description('Resource id of the Container Apps environment.')
param containerAppsEnvironmentId string

@description('Name of the environment\'s GPU workload profile.')
param workloadProfileName string

@description('T4 (16 GB, NC8as-T4 profile) or A100 (80 GB, NC24-A100 profile): sets the replica\'s CPU and memory, which must be the profile\'s.')
@allowed(['T4', 'A100'])
param gpu string

@description('Hugging Face id of an open (ungated) instruct model that fits the GPU.')
param model string

@description('vLLM server image (its OpenAI-compatible server).')
param image string = 'docker.io/vllm/vllm-openai:v0.6.6'

@description('Longest context the server accepts (bounds the KV cache the GPU must hold).')
param maxModelLength int = 8192

@description('Most replicas (each takes one GPU of the subscription\'s quota).')
@minValue(1)
param maxReplicas int = 1

// A serverless GPU replica takes its whole profile: a T4 profile is 8 vCPU and 56 GiB, an A100 profile 24 vCPU and 220 GiB.
var resources = gpu == 'T4' ? { cpu: json('8'), memory: '56Gi' } : { cpu: json('24'), memory: '220Gi' }

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    managedEnvironmentId: containerAppsEnvironmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: false
        targetPort: 8000
        transport: 'http'
        allowInsecure: true
      }
    }
    template: {
      containers: [
        {
          name: 'vllm'
          image: image
          // T4s have no bfloat16: half precision runs on both GPUs.
          args: ['--model', model, '--served-model-name', model, '--max-model-len', string(maxModelLength), '--dtype', 'half', '--port', '8000']
          resources: resources
          probes: [
            {
              // Downloading and loading the model: up to 10 minutes.
              type: 'Startup'
              httpGet: {
                path: '/health'
                port: 8000
              }
              periodSeconds: 60
              failureThreshold: 10
              timeoutSeconds: 5
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/health'
                port: 8000
              }
              periodSeconds: 30
              failureThreshold: 3
              timeoutSeconds: 5
            }
          ]
        }
      ]
      scale: {
        // Nothing runs, and nothing is billed, while no request comes.
        minReplicas: 0
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '16'
              }
            }
          }
        ]
      }
    }
  }
}

output baseUrl string = 'http://${app.name}/v1'
