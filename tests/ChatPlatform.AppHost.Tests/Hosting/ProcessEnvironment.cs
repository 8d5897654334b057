namespace ChatPlatform.AppHost.Tests.Hosting;

/// <summary>What a running process was started with, from /proc/&lt;pid&gt;/environ (readable by its owner or root).</summary>
internal static class ProcessEnvironment
{
    public static IReadOnlyDictionary<string, string> Read(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);
}
