using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ChatPlatform.Testing.Servers;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.Bench;

// What the benchmark runs: the fake provider, our router, the bare forwarder and Portkey, each a process but the provider.
public static partial class RouterBenchmark
{
    // A provider with a fixed time to first token, speaking OpenAI's chat completions (SSE chunks with usage, [DONE]).
    private static Task<LoopbackHttpServer> StartFakeProviderAsync() => LoopbackHttpServer.StartAsync(
        builder => builder.Logging.ClearProviders(),
        app => app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var document = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
            var arrived = Stopwatch.GetTimestamp();
            var stream = document.RootElement.TryGetProperty("stream", out var s) && s.GetBoolean();
            var content = document.RootElement.GetProperty("messages")[0].GetProperty("content").GetString() ?? "";
            var number = content.Contains('#') ? int.Parse(content[(content.IndexOf('#') + 1)..], CultureInfo.InvariantCulture) : 0;
            await Task.Delay(ProviderTimeToFirstTokenMs);
            var id = "chatcmpl-bench";
            if (!stream)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$$"""{"id":"{{{id}}}","object":"chat.completion","created":1,"model":"fake-model","choices":[{"index":0,"message":{"role":"assistant","content":"hello there, this is a benchmark"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":8,"total_tokens":17}}""");
                await context.Response.Body.FlushAsync();
                ProviderTimes[number] = (arrived, Stopwatch.GetTimestamp());
                return;
            }
            context.Response.ContentType = "text/event-stream";
            var chunk = $$$"""data: {"id":"{{{id}}}","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}""" + "\n\n";
            await context.Response.WriteAsync($$$"""data: {"id":"{{{id}}}","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""" + "\n\n");
            for (var i = 0; i < ContentChunks; i++)
            {
                await context.Response.WriteAsync(chunk);
                await context.Response.Body.FlushAsync();
                if (i == 0)
                {
                    ProviderTimes[number] = (arrived, Stopwatch.GetTimestamp());
                }
            }
            await context.Response.WriteAsync($$$"""data: {"id":"{{{id}}}","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n");
            await context.Response.WriteAsync($$$"""data: {"id":"{{{id}}}","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":8,"total_tokens":17}}""" + "\n\n" + "data: [DONE]\n\n");
        }));

    private sealed class ServerProcess(ChildProcess process, Uri url) : IAsyncDisposable
    {
        public ChildProcess Process { get; } = process;

        public Uri Url { get; } = url;

        /// <summary>User and system CPU time so far, from /proc (clock ticks of 10 ms).</summary>
        public TimeSpan CpuTime() => CpuTime(Process.Id);

        public static TimeSpan CpuTime(int pid) => ParseCpuTime(File.ReadAllText($"/proc/{pid}/stat"));

        private static TimeSpan ParseCpuTime(string stat)
        {
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }

        /// <summary>CPU time of the runtime's tiered-compilation threads (none for Node), by thread.</summary>
        public Dictionary<int, TimeSpan> CompilerCpuTime()
        {
            var threads = new Dictionary<int, TimeSpan>();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{Process.Id}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
                    {
                        var id = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
                        threads[id] = ThreadCpuTime(Process.Id, id);
                    }
                }
                catch (IOException)
                {
                    // The thread ended while we looked.
                }
            }
            return threads;
        }

        /// <summary>Compilation since <paramref name="before"/>: threads that ended since are not counted, new ones are.</summary>
        public TimeSpan CompilerCpuTime(Dictionary<int, TimeSpan> before) =>
            CompilerCpuTime().Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Value - before.GetValueOrDefault(t.Key));

        private static TimeSpan ThreadCpuTime(int pid, int tid) => ParseCpuTime(File.ReadAllText($"/proc/{pid}/task/{tid}/stat"));

        public (double ResidentMiB, double PeakMiB) Memory() => (StatusKiB("VmRSS:") / 1024, StatusKiB("VmHWM:") / 1024);

        private double StatusKiB(string field)
        {
            var line = File.ReadLines($"/proc/{Process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>
    /// The router as this benchmark's build left it: a project reference, built in the same configuration and for the
    /// same framework into the router's own output folder (with its own runtime and dependency files).
    /// </summary>
    private static string BuiltRouterPath()
    {
        var project = new Projects.ChatPlatform_ModelRouter().ProjectPath;
        var configuration = typeof(RouterBenchmark).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        return Path.Combine(Path.GetDirectoryName(project)!, "bin", configuration, framework, Path.GetFileNameWithoutExtension(project) + ".dll");
    }

    private static async Task<ServerProcess> StartRouterAsync(
        Uri providerBaseAddress, string chatdb, string redis, Dictionary<string, string> settings, string targetPath)
    {
        var port = FreePort.Next();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__chatdb"] = chatdb,
            ["ConnectionStrings__redis"] = redis,
            ["Internal__Key"] = ChatPlatform.Testing.InternalTokens.Key,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Catalog__SimulatedModels"] = "Never",
            ["Catalog__Models__0__Id"] = "bench-model",
            ["Catalog__Models__0__ContextWindow"] = "128000",
            ["Catalog__Models__0__MaxOutputTokens"] = "4096",
            ["Catalog__Deployments__0__Id"] = "bench-fake",
            ["Catalog__Deployments__0__ModelId"] = "bench-model",
            ["Catalog__Deployments__0__Provider"] = "OpenAICompatible",
            ["Catalog__Deployments__0__ProviderModel"] = "fake-model",
            ["Catalog__Deployments__0__Endpoint"] = new Uri(providerBaseAddress, "v1").ToString(),
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
            Console.WriteLine($"router setting: {name}={value}");
        }
        var process = ChildProcess.Start("dotnet", [targetPath], (line, _) => Console.Error.WriteLine("router | " + line),
            Path.GetDirectoryName(targetPath), environment);
        await WaitUntilAsync(new Uri(url, "health"), process);
        return new ServerProcess(process, url);
    }

    // The bench's own program in its forwarder mode, with the runtime settings our services run with.
    private static async Task<ServerProcess> StartBareForwarderAsync(Uri providerUrl)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = url.ToString(),
            [BareForwarder.ProviderUrlVariable] = providerUrl.ToString(),
            ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
        };
        var self = typeof(BareForwarder).Assembly.Location;
        var process = ChildProcess.Start("dotnet", [self, BareForwarder.Command], (line, _) => Console.Error.WriteLine("forwarder | " + line),
            Path.GetDirectoryName(self), environment);
        await WaitUntilAsync(new Uri(url, "health"), process);
        return new ServerProcess(process, url);
    }

    // Portkey comes from npm into bench/.portkey on first use; without npm or the registry, it is left out.
    private static async Task<ServerProcess?> StartPortkeyAsync()
    {
        var folder = Path.Combine(RepositoryRoot.Find(), "bench", ".portkey");
        var entry = Path.Combine(folder, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
        try
        {
            if (!File.Exists(entry))
            {
                Directory.CreateDirectory(folder);
                var install = ChildProcess.Start("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", folder, $"@portkey-ai/gateway@{PortkeyVersion}"],
                    (line, _) => Console.Error.WriteLine("npm | " + line), folder);
                if (await install.Exited != 0)
                {
                    Console.WriteLine("Portkey could not be installed from npm; it is left out.");
                    return null;
                }
            }
            var port = FreePort.Next();
            var url = new Uri($"http://127.0.0.1:{port}/");
            var process = ChildProcess.Start("node", [entry, $"--port={port}", "--headless"], (_, _) => { }, folder,
                new Dictionary<string, string?> { ["NODE_ENV"] = "production" });
            await WaitUntilAsync(url, process);
            return new ServerProcess(process, url);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("node or npm is not installed; Portkey is left out.");
            return null;
        }
    }

    private static async Task WaitUntilAsync(Uri url, ChildProcess process)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }
            await Task.Delay(200);
        }
        throw new InvalidOperationException($"{url} did not come up");
    }
}
