using ChatPlatform.Testing.Servers;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>What a running process was started with, from /proc/&lt;pid&gt;/environ (readable by its owner or root).</summary>
internal static class ProcessEnvironment
{
    private static readonly TimeSpan ExecWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The environment of the program the process runs once setsid has replaced itself with it. While an exec is under
    /// way the kernel shows an empty environment, and a host started under load may still be there when it is asked.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(int pid)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (ProcFs.ReadCommandLine(pid) is [ "setsid", ..] or [] or null || Parse(pid).Count == 0)
        {
            if (waited.Elapsed > ExecWait)
            {
                throw new TimeoutException($"Process {pid} had not started its program after {ExecWait.TotalSeconds:0} s.");
            }
            await Task.Delay(20);
        }
        return Parse(pid);
    }

    private static Dictionary<string, string> Parse(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);
}
