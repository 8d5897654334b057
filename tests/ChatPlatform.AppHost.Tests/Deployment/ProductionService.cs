using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace ChatPlatform.AppHost.Tests.Deployment;

/// <summary>
/// One service run from its build output as its container runs it: <c>dotnet Service.dll</c> in the output folder, with
/// no environment but the machine's basics and the settings given (so Production, as in Azure), until it answers
/// <c>/alive</c> or exits.
/// </summary>
internal sealed class ProductionService : IAsyncDisposable
{
    private static readonly string[] MachineBasics = ["PATH", "HOME", "DOTNET_ROOT", "TMPDIR", "LANG"];

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ProductionService(string name, Process process, Uri address)
    {
        Name = name;
        _process = process;
        Address = address;
    }

    public string Name { get; }

    public Uri Address { get; }

    /// <summary>Its last lines of output, for a failure's message.</summary>
    public string Output => string.Join(Environment.NewLine, _output.TakeLast(40));

    public static ProductionService Start(string name, string projectPath, int port, IReadOnlyDictionary<string, string> settings)
    {
        // The test's own configuration (bin/Debug or bin/Release) is the one the services were built in.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var projectDirectory = Path.GetDirectoryName(projectPath)!;
        var output = Path.Combine(projectDirectory, "bin", configuration, "net10.0");
        var assembly = Path.Combine(output, Path.GetFileNameWithoutExtension(projectPath) + ".dll");
        var start = new ProcessStartInfo("dotnet", [assembly])
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var basic in MachineBasics)
        {
            if (Environment.GetEnvironmentVariable(basic) is { } value)
            {
                start.Environment[basic] = value;
            }
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        var service = new ProductionService(name, process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Null once it answers <c>/alive</c> with 200; else why not (it exited, or the time ran out).</summary>
    public async Task<string?> WaitAliveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                // Let the last of its output arrive.
                await _process.WaitForExitAsync(cancellationToken);
                return $"{Name} exited with {_process.ExitCode}:{Environment.NewLine}{Output}";
            }
            try
            {
                using var response = await client.GetAsync("/alive", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return null;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Listening, not answering yet.
            }
            await Task.Delay(250, cancellationToken);
        }
        return $"{Name} did not answer /alive within {timeout.TotalSeconds:0} s:{Environment.NewLine}{Output}";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }
}
