namespace ChatPlatform.Testing;

/// <summary>Keeps a server's output in a file beside its data, for reading after a failed run.</summary>
public sealed class ServerLog(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };

    public string Path { get; } = path;

    public void Write(string line, bool isError)
    {
        lock (_writer)
        {
            _writer.WriteLine(isError ? "! " + line : line);
        }
    }

    public void Dispose()
    {
        lock (_writer)
        {
            _writer.Dispose();
        }
    }
}
