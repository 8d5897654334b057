using System.Net;
using System.Net.Sockets;
using ChatPlatform.AppHost.Hosting.Local;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>
/// Hands out loopback ports: a preferred one when stable ports are on and it is free, else one the kernel picks,
/// never the same one twice in a run (a port is only reserved once its process binds it).
/// </summary>
internal sealed class PortAllocator(bool useStablePorts)
{
    private readonly HashSet<int> _given = [];

    public int Allocate(int? preferredPort = null)
    {
        lock (_given)
        {
            if (useStablePorts && preferredPort is > 0 and var preferred && !_given.Contains(preferred) && IsFree(preferred))
            {
                _given.Add(preferred);
                return preferred;
            }
            while (true)
            {
                var port = FreePort.Next();
                if (_given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
