namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>An HTTP endpoint of a process, on 127.0.0.1; its port is allocated when the model is prepared.</summary>
public sealed class HttpEndpoint(string name)
{
    /// <summary>The name of a resource's cleartext HTTP/2 endpoint.</summary>
    public const string Http2EndpointName = "h2c";

    public string Name { get; } = name;

    /// <summary>The port wanted when it is free and stable ports are in use (external endpoints only).</summary>
    public int? PreferredPort { get; set; }

    /// <summary>Meant for people and clients outside the platform (web, gateway): prefers a stable port.</summary>
    public bool IsExternal { get; set; }

    /// <summary>
    /// Cleartext HTTP/2 only (clients must know it in advance): for calls between services, which then share a few
    /// connections for all their streams. Kestrel cannot serve both versions on one cleartext port.
    /// </summary>
    public bool IsHttp2Only { get; set; }

    public int? Port { get; internal set; }

    public Uri? Url => Port is { } port ? new Uri($"http://127.0.0.1:{port}") : null;
}
