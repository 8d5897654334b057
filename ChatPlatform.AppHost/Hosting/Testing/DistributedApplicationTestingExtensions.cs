namespace ChatPlatform.AppHost.Hosting.Testing;

public static class DistributedApplicationTestingExtensions
{
    /// <summary>A client for a resource's HTTP endpoint; never through a proxy from the environment.</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication application, string resourceName, string endpointName = "http")
    {
        ArgumentNullException.ThrowIfNull(application);
        return new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = application.GetEndpoint(resourceName, endpointName) };
    }
}
