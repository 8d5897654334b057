using System.Globalization;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>Debian's redis-server on loopback, with a password and its snapshot in the data folder.</summary>
internal sealed class LocalRedisResource(string name, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, "/bin/sh", dataDirectory), IResourceWithConnectionString
{
    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)},password={Password}");
}

internal static class LocalRedis
{
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new DistributedApplicationException(
                "redis-server is not installed: run `bash .ci/setup` (or `apt-get install -y redis-server`).");
        var password = new ParameterResource($"{name}-password", _ => DataDirectory.Secret(dataDirectory, $"{name}.password"), secret: true);
        var redis = new LocalRedisResource(name, dataDirectory, password);
        var port = FreePort.Next();
        var folder = DataDirectory.PrivateFolder(dataDirectory, name);
        var configuration = Path.Combine(folder, "redis.conf");

        // The password lives in a private configuration file rather than on the command line, which any user can read.
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (_, ct) =>
        {
            string[] lines =
            [
                $"port {port.ToString(CultureInfo.InvariantCulture)}", "bind 127.0.0.1", "protected-mode yes", $"dir {folder}",
                $"requirepass {await password.GetValueAsync(ct)}", "save 60 1", "appendonly no", "daemonize no",
            ];
            await File.WriteAllLinesAsync(configuration, lines, ct);
            File.SetUnixFileMode(configuration, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        });

        return builder.AddResource(redis)
            .WithEndpoint("tcp", e => (e.Port, e.TargetPort, e.IsProxied, e.UriScheme) = (port, port, false, "tcp"))
            // umask 077: the snapshot it writes is readable by its owner only.
            .WithArgs("-c", "umask 077; exec \"$@\"", "redis", binary, configuration)
            .WithHealthCheck(ConnectionHealthCheck.Register(builder, redis, ConnectionHealthCheck.RedisAsync));
    }
}
