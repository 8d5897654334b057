using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>The provider behind a deployment as an <see cref="IChatClient"/>; clients are cached per deployment.</summary>
public interface IChatClientFactory
{
    IChatClient GetClient(DeploymentDefinition deployment);
}
