using System.Text.Json;

namespace ChatPlatform.AppHost.Hosting.Local;

/// <summary>A child process as recorded in the data folder while it runs.</summary>
public sealed record RecordedProcess(string Resource, int Pid, long? StartTime, IReadOnlyList<string> CommandLine)
{
    /// <summary>
    /// True while this very process still runs: same pid, same creation time, and /proc/&lt;pid&gt;/cmdline is the
    /// recorded one or starts with the recorded program (redis-server rewrites the rest of its title).
    /// </summary>
    public bool IsRunning()
    {
        if (!UnixSignals.IsAlive(Pid) || ProcFs.ReadCommandLine(Pid) is not { } actual)
        {
            return false;
        }
        if (StartTime is { } recorded && ProcFs.ReadStartTime(Pid) != recorded)
        {
            return false;
        }
        return actual.SequenceEqual(CommandLine)
            || (CommandLine.Count > 0 && actual[0].Split(' ')[0] == CommandLine[0]);
    }
}

/// <summary>
/// The children a host runs, written to <c>&lt;data&gt;/apphost.pids</c> as they start and stop, so that the next host
/// on the same data folder can stop what a killed host (SIGKILL cannot be caught) left behind.
/// </summary>
public sealed class ProcessRegistry(string dataDirectory)
{
    public const string FileName = "apphost.pids";
    private readonly Dictionary<int, RecordedProcess> _running = [];

    public string FilePath { get; } = Path.Combine(dataDirectory, FileName);

    public void Record(string resource, ChildProcess process)
    {
        lock (_running)
        {
            _running[process.Id] = new RecordedProcess(resource, process.Id, process.StartTime, process.CommandLine);
            Save();
        }
    }

    public void Forget(int pid)
    {
        lock (_running)
        {
            if (_running.Remove(pid))
            {
                Save();
            }
        }
    }

    public static IReadOnlyList<RecordedProcess> Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }
        return [.. File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line => TryParse(line))
            .OfType<RecordedProcess>()];
    }

    /// <summary>
    /// Stops every recorded process that still runs (SIGTERM to its process group, then SIGKILL after
    /// <paramref name="grace"/>) and empties the record. Call only while holding the data folder's lock.
    /// </summary>
    public static async Task<IReadOnlyList<RecordedProcess>> StopStaleAsync(string dataDirectory, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var stale = Read(dataDirectory).Where(p => p.IsRunning()).ToList();
        foreach (var process in stale)
        {
            Signal(process, UnixSignals.SigTerm);
        }
        var deadline = DateTime.UtcNow + grace;
        while (stale.Any(p => p.IsRunning()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }
        foreach (var process in stale.Where(p => p.IsRunning()))
        {
            Signal(process, UnixSignals.SigKill);
        }
        File.Delete(Path.Combine(dataDirectory, FileName));
        return stale;
    }

    // Children run in their own session (setsid), so the group holds whatever they started: runuser's postgres, its backends.
    private static void Signal(RecordedProcess process, int signal)
    {
        var target = ProcFs.ReadProcessGroup(process.Pid) == process.Pid ? -process.Pid : process.Pid;
        UnixSignals.Send(target, signal);
    }

    private void Save()
    {
        // Write then rename, so a host killed mid-write leaves the previous, whole file.
        var temporary = FilePath + ".tmp";
        File.WriteAllLines(temporary, _running.Values.Select(p => JsonSerializer.Serialize(p)));
        File.Move(temporary, FilePath, overwrite: true);
    }

    private static RecordedProcess? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<RecordedProcess>(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
