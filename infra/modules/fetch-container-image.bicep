// The containers of an existing container app, so that re-provisioning keeps the image `azd deploy` put there
// instead of resetting it to the placeholder. `exists` comes from azd's SERVICE_<NAME>_RESOURCE_EXISTS.
@description('Whether the container app already exists.')
param exists bool

@description('Name of the container app.')
param name string

resource existingApp 'Microsoft.App/containerApps@2024-03-01' existing = if (exists) {
  name: name
}

output containers array = exists ? existingApp!.properties.template.containers : []
