using System.Globalization;

namespace ChatPlatform.Testing.Servers;

/// <summary>What Linux tells about a process in /proc; every read is null once the process is gone.</summary>
public static class ProcFs
{
    /// <summary>The arguments as the process sees them now (some servers rewrite theirs, e.g. redis-server).</summary>
    public static IReadOnlyList<string>? ReadCommandLine(int pid)
    {
        var text = TryRead($"/proc/{pid}/cmdline");
        return text is null or "" ? null : text.TrimEnd('\0').Split('\0');
    }

    /// <summary>Clock ticks since boot at which the process was created: with the pid, it names one process for good.</summary>
    public static long? ReadStartTime(int pid) =>
        ReadStatField(pid, 22) is { } value && long.TryParse(value, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;

    public static int? ReadProcessGroup(int pid) =>
        ReadStatField(pid, 5) is { } value && int.TryParse(value, CultureInfo.InvariantCulture, out var group) ? group : null;

    /// <summary>Resident memory (VmRSS) in KiB.</summary>
    public static long? ReadResidentKilobytes(int pid)
    {
        var line = TryRead($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var number = line?["VmRSS:".Length..].Trim().Split(' ')[0];
        return long.TryParse(number, CultureInfo.InvariantCulture, out var kilobytes) ? kilobytes : null;
    }

    /// <summary>
    /// Proportional memory (Pss from smaps_rollup) in KiB: shared pages divided among their users, so the sum over
    /// a process tree (PostgreSQL's shared buffers) does not count them many times as VmRSS does.
    /// </summary>
    public static long? ReadProportionalKilobytes(int pid)
    {
        var line = TryRead($"/proc/{pid}/smaps_rollup")?.Split('\n').FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
        var number = line?["Pss:".Length..].Trim().Split(' ')[0];
        return long.TryParse(number, CultureInfo.InvariantCulture, out var kilobytes) ? kilobytes : null;
    }

    /// <summary>The direct children of a process.</summary>
    public static IReadOnlyList<int> ReadChildren(int pid)
    {
        var children = new List<int>();
        foreach (var task in SafeDirectories($"/proc/{pid}/task"))
        {
            var text = TryRead(Path.Combine(task, "children")) ?? "";
            children.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
        }
        return children;
    }

    public static IEnumerable<int> AllProcessIds() =>
        SafeDirectories("/proc").Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : 0).Where(pid => pid > 0);

    // Fields are counted from 1 as in proc(5); the name (field 2) may hold spaces, so count after its closing ')'.
    private static string? ReadStatField(int pid, int field)
    {
        var stat = TryRead($"/proc/{pid}/stat");
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0)
        {
            return null;
        }
        var rest = stat[(end + 2)..].Split(' ');
        return field - 3 < rest.Length ? rest[field - 3] : null;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] SafeDirectories(string path)
    {
        try
        {
            return Directory.GetDirectories(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
