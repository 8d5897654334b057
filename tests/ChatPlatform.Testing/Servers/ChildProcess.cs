using System.Diagnostics;

namespace ChatPlatform.Testing.Servers;

/// <summary>
/// A child process whose output is handed over line by line. Children start in their own session
/// (setsid), so a Ctrl+C at the terminal reaches only the host, which then stops them in order.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, IReadOnlyList<string> commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public int Id => _process.Id;

    /// <summary>The arguments of the process once setsid has replaced itself with it: what /proc/&lt;pid&gt;/cmdline shows.</summary>
    public IReadOnlyList<string> CommandLine { get; }

    /// <summary>When the kernel created it (clock ticks since boot); with <see cref="Id"/>, names this process for good.</summary>
    public long? StartTime { get; private set; }

    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        Action<string, bool> onOutputLine,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? runAsUser = null)
    {
        ArgumentNullException.ThrowIfNull(onOutputLine);
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (runAsUser is not null)
        {
            foreach (var arg in new[] { "runuser", "-u", runAsUser, "--" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        info.ArgumentList.Add(fileName);
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            // A null value removes a variable the child would otherwise inherit from the host.
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, [.. info.ArgumentList]);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onOutputLine(e.Data, false); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onOutputLine(e.Data, true); };
        process.Exited += (_, _) => child.OnExited();
        process.Start();
        child.StartTime = ProcFs.ReadStartTime(process.Id);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnExited()
    {
        // Let the asynchronous readers drain the last lines before anyone observes the exit.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }

    /// <summary>
    /// Polls <paramref name="ready"/> until it holds; fails at once if the process exits first, and after
    /// <paramref name="timeout"/> with "<paramref name="name"/> <paramref name="notReady"/>".
    /// </summary>
    public async Task WaitUntilReadyAsync(
        Func<CancellationToken, Task<bool>> ready, string name, string notReady, TimeSpan timeout, TimeSpan poll, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await ready(cancellationToken))
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {await Exited} while starting; see its output above.");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} {notReady} within {timeout.TotalSeconds:0} s.");
            }
            await Task.Delay(poll, cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="signal"/>, waits up to <paramref name="grace"/>, then kills the whole tree.</summary>
    public async Task StopAsync(TimeSpan grace, int signal = UnixSignals.SigTerm, int? signalPid = null)
    {
        if (HasExited)
        {
            return;
        }
        UnixSignals.Send(signalPid ?? Id, signal);
        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the wait and the kill.
            }
            await Exited;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
