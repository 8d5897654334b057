using System.Net;
using System.Net.Sockets;
using ChatPlatform.AppHost.Hosting.Local;
using ChatPlatform.AppHost.Hosting.Orchestration;

namespace ChatPlatform.AppHost.Tests.Hosting;

public sealed class PortAllocatorTests
{
    [Fact]
    public void A_free_preferred_port_is_used_when_stable_ports_are_on()
    {
        var preferred = FreePort.Next();

        Assert.Equal(preferred, new PortAllocator(useStablePorts: true).Allocate(preferred));
    }

    [Fact]
    public void A_busy_preferred_port_gives_way_to_a_free_one()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busy = ((IPEndPoint)holder.LocalEndpoint).Port;

        var port = new PortAllocator(useStablePorts: true).Allocate(busy);

        Assert.NotEqual(busy, port);
        Assert.True(PortAllocator.IsFree(port));
    }

    [Fact]
    public void Without_stable_ports_the_preferred_port_is_never_used()
    {
        var preferred = FreePort.Next();

        Assert.NotEqual(preferred, new PortAllocator(useStablePorts: false).Allocate(preferred));
    }

    [Fact]
    public void No_port_is_handed_out_twice_in_one_run()
    {
        var allocator = new PortAllocator(useStablePorts: true);
        var preferred = FreePort.Next();

        var ports = Enumerable.Range(0, 100).Select(_ => allocator.Allocate(preferred)).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
