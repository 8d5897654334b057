using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>Loopback ports: a free one to take, or whether a wanted one is free.</summary>
internal static class FreePort
{
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    /// <summary>
    /// A free loopback port for a store that listens without Aspire's proxy (the proxy would be one more hop on every
    /// query). The kernel can hand the same port out twice once it is released, so no port is given twice here; the
    /// small race until the store binds it is accepted.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (Given.TryAdd(port, true))
            {
                return port;
            }
        }
    }

    /// <summary>Whether nothing listens on loopback <paramref name="port"/>.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
