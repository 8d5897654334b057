using System.Net;
using System.Net.Sockets;

namespace ChatPlatform.Testing.Servers;

public static class FreePort
{
    /// <summary>Asks the kernel for a free loopback port; the small race until the child binds it is accepted.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
