namespace ChatPlatform.Testing.Servers;

/// <summary>The AppHost's choice of a free loopback port (its file is linked here), for servers the tests start.</summary>
public static class FreePort
{
    /// <inheritdoc cref="ChatPlatform.AppHost.Infrastructure.FreePort.Next" />
    public static int Next() => ChatPlatform.AppHost.Infrastructure.FreePort.Next();
}
