using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace ChatPlatform.AppHost.Tests.Deployment;

/// <summary>The hand-written Azure deployment: where it is, the settings contract its apps are built from, its compiler.</summary>
internal static class Infra
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Folder => Path.Combine(RepositoryRoot, "infra");

    /// <summary>The bicep binary the tests' package brought (NuGet does not keep its executable bit).</summary>
    public static string Bicep()
    {
        var path = typeof(Infra).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Bicep").Value!;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        return path;
    }

    /// <summary>Runs the bicep CLI; <paramref name="input"/> goes to its standard input (for `bicep console`).</summary>
    public static async Task<(int ExitCode, string Output)> RunBicepAsync(string[] arguments, CancellationToken ct, string? input = null)
    {
        var start = new ProcessStartInfo(Bicep(), arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await errors + await output);
    }

    /// <summary>
    /// infra/app-settings.json: for each service, every setting its container app gets, and where its value comes from;
    /// with <paramref name="gpu"/>, as when GPU inference is on; with <paramref name="kafka"/>, as when Event Hubs carries
    /// the event log. As apps.bicep's union, a later setting of the same name wins (ingestion's client id comes twice).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, InfraSetting>> Settings(bool gpu = false, bool kafka = false)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "app-settings.json")));
        var all = Read(document.RootElement.GetProperty("all"));
        var whenGpu = document.RootElement.GetProperty("whenGpu");
        var whenKafka = document.RootElement.GetProperty("whenKafka");
        return document.RootElement.GetProperty("services").EnumerateObject().ToDictionary(
            service => service.Name,
            service =>
            {
                var settings = new Dictionary<string, InfraSetting>();
                foreach (var (name, setting) in all
                    .Concat(Read(service.Value))
                    .Concat(gpu && whenGpu.TryGetProperty(service.Name, out var forGpu) ? Read(forGpu) : [])
                    .Concat(kafka && whenKafka.TryGetProperty(service.Name, out var forKafka) ? Read(forKafka) : []))
                {
                    settings[name] = setting;
                }
                return (IReadOnlyDictionary<string, InfraSetting>)settings;
            });
    }

    private static Dictionary<string, InfraSetting> Read(JsonElement settings) =>
        settings.EnumerateObject().ToDictionary(s => s.Name, s => s.Value.EnumerateObject().Single() switch
        {
            { Name: "literal" } p => new InfraSetting(InfraSettingKind.Literal, p.Value.GetString()!),
            { Name: "value" } p => new InfraSetting(InfraSettingKind.Value, p.Value.GetString()!),
            { Name: "secret" } p => new InfraSetting(InfraSettingKind.Secret, p.Value.GetString()!),
            var p => throw new InvalidDataException($"{s.Name}: '{p.Name}' is none of literal, value, secret."),
        });

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "azure.yaml")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("azure.yaml was not found above the test's folder.");
    }
}

internal enum InfraSettingKind
{
    Literal,
    Value,
    Secret,
}

/// <param name="Text">The literal itself, the name of the value apps.bicep computes, or the Key Vault secret's name.</param>
internal sealed record InfraSetting(InfraSettingKind Kind, string Text);
