using System.Net;
using System.Net.Sockets;

namespace ChatPlatform.AppHost.Tests;

public sealed class DashboardPortsTests
{
    [Fact]
    public void A_dashboard_port_another_process_holds_is_replaced_by_a_free_one()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var builder = DistributedApplication.CreateBuilder([$"--ASPNETCORE_URLS=http://localhost:{taken}", "--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:0"]);

        builder.WithFreeDashboardPorts();

        var url = new Uri(builder.Configuration["ASPNETCORE_URLS"]!);
        Assert.NotEqual(taken, url.Port);
        Assert.Equal("localhost", url.Host);
        using var probe = new TcpListener(IPAddress.Loopback, url.Port);
        probe.Start();
        Assert.Equal("http://localhost:0", builder.Configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"]);
    }
}
