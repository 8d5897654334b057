using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>
/// The host's console: every resource's lines prefixed with its name (a colour each on a terminal), and the host's
/// own messages. Lines are written whole under one lock so that outputs never interleave mid-line.
/// </summary>
internal sealed class ConsoleLog(bool echoResourceOutput, bool writeHostMessages)
{
    private const string HostName = "apphost";
    private const string Reset = "\u001b[0m";
    private static readonly string[] Palette =
        ["\u001b[36m", "\u001b[32m", "\u001b[33m", "\u001b[35m", "\u001b[34m", "\u001b[96m", "\u001b[92m", "\u001b[93m", "\u001b[95m", "\u001b[94m"];

    private readonly Lock _gate = new();
    private readonly bool _colour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
    private readonly Dictionary<string, string> _colours = [];
    private int _width = HostName.Length;

    public void Register(IEnumerable<Resource> resources)
    {
        foreach (var resource in resources)
        {
            _colours[resource.Name] = Palette[_colours.Count % Palette.Length];
            _width = Math.Max(_width, resource.Name.Length);
        }
    }

    public void WriteResourceLine(Resource resource, string line, bool isError)
    {
        if (echoResourceOutput)
        {
            Write(resource.Name, _colours.GetValueOrDefault(resource.Name, ""), line, isError);
        }
    }

    public void Info(string message)
    {
        if (writeHostMessages)
        {
            Write(HostName, "\u001b[1m", message, isError: false);
        }
    }

    /// <summary>Loud on purpose: something stopped that nobody asked to stop.</summary>
    public void Error(string message)
    {
        if (writeHostMessages)
        {
            Write(HostName, "\u001b[1;31m", message, isError: true);
        }
    }

    private void Write(string name, string colour, string line, bool isError)
    {
        var prefix = name.PadRight(_width);
        var text = _colour ? $"{colour}{prefix} |{Reset} {line}" : $"{prefix} | {line}";
        lock (_gate)
        {
            (isError ? Console.Error : Console.Out).WriteLine(text);
        }
    }
}
