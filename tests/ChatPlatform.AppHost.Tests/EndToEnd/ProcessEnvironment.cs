namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>What a running process was started with, from /proc/&lt;pid&gt;/environ (readable by its owner or root).</summary>
internal static class ProcessEnvironment
{
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(int pid) =>
        (await File.ReadAllTextAsync($"/proc/{pid}/environ"))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);
}
