namespace ChatPlatform.Testing.Servers;

public static class BinaryLocator
{
    /// <summary>Finds an installed program, or throws one line that says how to install it.</summary>
    public static string Find(string program, string debianPackage, params string[] globDirectories)
    {
        var candidates = globDirectories
            .SelectMany(ExpandVersionedDirectory)
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Select(dir => Path.Combine(dir, program));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new MissingBinaryException(
                $"'{program}' was not found: install it with `sudo apt-get install -y {debianPackage}` (or run .ci/setup).");
    }

    // "/usr/lib/postgresql/*/bin" -> the newest version's folder first.
    private static IEnumerable<string> ExpandVersionedDirectory(string pattern)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return [pattern];
        }
        var root = pattern[..star].TrimEnd('/');
        var rest = pattern[(star + 1)..].TrimStart('/');
        if (!Directory.Exists(root))
        {
            return [];
        }
        return Directory.GetDirectories(root)
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, rest));
    }
}

public sealed class MissingBinaryException(string message) : Exception(message);
