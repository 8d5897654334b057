using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>
/// Loopback ports: a free one to take, or whether a wanted one is free. The AppHost and the test servers share this
/// file, so every port the platform and its tests listen on is chosen one way.
/// </summary>
internal static class FreePort
{
    private const int Lowest = 15000;

    private static readonly ConcurrentDictionary<int, bool> Given = new();

    /// <summary>
    /// A free loopback port for a server that binds it later (a store, or a service that starts once what it waits for
    /// is healthy, which may be a minute away). It is drawn from below the kernel's ephemeral range: a port from that
    /// range is also the source port of outgoing connections, and one of those taking it in the meantime made the
    /// server's bind fail (chat exited with 134 while the platform started). No port is given twice here.
    /// </summary>
    public static int Next()
    {
        var (low, _) = EphemeralRange();
        for (var attempt = 0; attempt < 1000 && low > Lowest; attempt++)
        {
            var port = Random.Shared.Next(Lowest, low);
            if (IsFree(port) && Given.TryAdd(port, true))
            {
                return port;
            }
        }
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

    /// <summary>The kernel's range for outgoing connections' source ports (Linux's default where it cannot be read).</summary>
    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32768, 60999);
        }
    }
}
