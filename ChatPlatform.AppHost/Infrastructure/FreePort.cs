using System.Net;
using System.Net.Sockets;

namespace ChatPlatform.AppHost.Infrastructure;

internal static class FreePort
{
    /// <summary>
    /// A free loopback port for a store that listens without Aspire's proxy (the proxy would be one more hop on every
    /// query); the small race until the store binds it is accepted.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
