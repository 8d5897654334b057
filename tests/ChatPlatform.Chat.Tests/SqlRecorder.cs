using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace ChatPlatform.Chat.Tests;

/// <summary>
/// Records what HTTP requests send to one test database: one entry per round trip (a command or a batch, its statements
/// joined), from Npgsql's ActivitySource; a transaction's BEGIN rides with its first statement, its COMMIT is not seen.
/// Other tests run in parallel on other databases, so entries are kept only when their <c>db.namespace</c> is this one;
/// background work (event consumers, heartbeats, sweeps) is left out by keeping only those under a request's activity.
/// </summary>
public sealed class SqlRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _roundTrips = new();
    private volatile bool _recording;

    public SqlRecorder(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var root = activity;
                while (root.Parent is not null)
                {
                    root = root.Parent;
                }
                if (_recording && root.Source.Name == "Microsoft.AspNetCore" && Tag(activity, "db.namespace", "db.name") == database
                    && Tag(activity, "db.query.text", "db.statement") is { } text)
                {
                    _roundTrips.Enqueue(text);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<string> RoundTrips => [.. _roundTrips];

    public void Start()
    {
        _roundTrips.Clear();
        _recording = true;
    }

    public IReadOnlyList<string> Stop()
    {
        _recording = false;
        return RoundTrips;
    }

    public void Dispose() => _listener.Dispose();

    private static string? Tag(Activity activity, params string[] names) =>
        names.Select(activity.GetTagItem).OfType<string>().FirstOrDefault();
}
