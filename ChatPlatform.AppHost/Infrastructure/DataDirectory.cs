using System.Security.Cryptography;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>
/// Where the local stores keep their data across runs: <c>.data/</c> beside the repository's root, or the folder the
/// setting <c>DataDirectory</c> names (tests use a temporary one). Everything in it is readable by its owner only.
/// </summary>
internal static class DataDirectory
{
    public const string Setting = "DataDirectory";

    public static string Get(IDistributedApplicationBuilder builder)
    {
        var path = Path.GetFullPath(builder.Configuration[Setting] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, "..", ".data"));
        Directory.CreateDirectory(path);
        // Traversable but not listable: PostgreSQL runs as its own user and must reach its folder inside.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>A folder inside the data folder, created private (0700) when missing.</summary>
    public static string PrivateFolder(string dataDirectory, string name)
    {
        var path = Path.Combine(dataDirectory, name);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>
    /// A random secret kept in <c>{name}</c> in the data folder (0600): generated on first use, the same on every run
    /// after, so that passwords and keys outlive a restart.
    /// </summary>
    public static string Secret(string dataDirectory, string name, int bytes = 24)
    {
        var path = Path.Combine(dataDirectory, name);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
        using (var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(secret);
        }
        return secret;
    }
}
