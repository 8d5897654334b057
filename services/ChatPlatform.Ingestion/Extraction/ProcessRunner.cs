using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>What a program wrote and how it ended; <see cref="StandardOutput"/> is cut at the capture limit.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, bool OutputTruncated);

/// <summary>
/// Runs one program with arguments, never through a shell, so no file name or setting can become a command. Its output is
/// captured up to a bound, its address space is bounded by <see cref="ExtractionOptions.ProcessMemoryBytes"/> (through
/// util-linux's <c>prlimit</c>, so a hostile file cannot make it take the machine's memory), and it is killed with every
/// process it started at its timeout or when the caller cancels.
/// </summary>
public sealed partial class ProcessRunner(TimeProvider timeProvider, IOptions<ExtractionOptions> options, ILogger<ProcessRunner> logger)
{
    private const int MaxErrorChars = 4 * 1024;
    private const string Prlimit = "/usr/bin/prlimit";

    private static readonly bool CanLimitMemory = OperatingSystem.IsLinux() && File.Exists(Prlimit);

    /// <exception cref="ExtractionException">The program is missing or did not finish within <paramref name="timeout"/>.</exception>
    public async Task<ProcessResult> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, int maxOutputChars, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var memory = options.Value.ProcessMemoryBytes;
        var bounded = memory > 0 && CanLimitMemory;
        var start = new ProcessStartInfo(bounded ? Prlimit : program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (bounded)
        {
            // prlimit execs the program in its own place (same pid), so killing the tree still kills the program.
            start.ArgumentList.Add($"--as={memory}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new ExtractionException(NotInstalled(program), e);
        }
        process.StandardInput.Close();

        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var output = ReadBoundedAsync(process.StandardOutput, maxOutputChars);
        var error = ReadBoundedAsync(process.StandardError, MaxErrorChars);
        try
        {
            await process.WaitForExitAsync(stop.Token);
            var (text, truncated) = await output;
            var (errorText, _) = await error;
            // prlimit exits 127 when it cannot find the program: the same answer as starting a missing program directly.
            if (bounded && process.ExitCode == 127 && errorText.StartsWith("prlimit:", StringComparison.Ordinal))
            {
                throw new ExtractionException(NotInstalled(program), new Win32Exception(2, errorText.Trim()));
            }
            return new ProcessResult(process.ExitCode, text, errorText, truncated);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            // The pipes close once the whole tree is gone; waiting here keeps no reader running past this call.
            await ((Task)Task.WhenAll(output, error)).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            LogTimedOut(logger, Path.GetFileName(program), timeout);
            throw new ExtractionException($"Reading the file took too long ('{Path.GetFileName(program)}' was stopped after {Durations.Describe(timeout)}).");
        }
    }

    private static string NotInstalled(string program) =>
        $"The program '{program}' that reads this kind of file is not installed on the server.";

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // It exited between the timeout and the kill.
        }
    }

    // Reads to the end (a program blocks when its pipe is full) but keeps only the first maxChars.
    private static async Task<(string Text, bool Truncated)> ReadBoundedAsync(StreamReader reader, int maxChars)
    {
        var kept = new StringBuilder();
        var buffer = new char[8192];
        var truncated = false;
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            var room = maxChars - kept.Length;
            if (room > 0)
            {
                kept.Append(buffer, 0, Math.Min(room, read));
            }
            truncated |= read > room;
        }
        return (kept.ToString(), truncated);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Program} did not finish within {Timeout} and was killed with its children")]
    private static partial void LogTimedOut(ILogger logger, string program, TimeSpan timeout);
}
