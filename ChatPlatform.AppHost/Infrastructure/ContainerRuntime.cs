using System.Diagnostics;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>
/// How the stores run: as containers where a container engine answers, as local programs otherwise. The setting
/// <c>Infrastructure:Runtime</c> (<c>auto</c>, <c>container</c> or <c>executable</c>) overrides the choice.
/// </summary>
internal static class ContainerRuntime
{
    public const string Setting = "Infrastructure:Runtime";

    private static readonly Lazy<bool> AnEngineAnswers = new(() => EngineAnswers("docker") || EngineAnswers("podman"));

    public static bool UseContainers(IDistributedApplicationBuilder builder)
    {
        // Publishing describes the deployment, whose stores are containers or managed services, never local programs.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return true;
        }
        return builder.Configuration[Setting]?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => AnEngineAnswers.Value,
            "container" => true,
            "executable" => false,
            var other => throw new DistributedApplicationException(
                $"{Setting} is '{other}': use auto, container or executable."),
        };
    }

    // A docker client can be installed without an engine: only `info` tells whether one answers.
    private static bool EngineAnswers(string client)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(client, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }
            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
