using ChatPlatform.AppHost.Hosting.Local;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>The <c>dotnet</c> that runs the projects: the one the SDK names, else the one on PATH.</summary>
internal static class DotNetHost
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        var found = BinaryLocator.Find("dotnet", "dotnet-sdk-10.0");
        return new FileInfo(found).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? found;
    }
}
