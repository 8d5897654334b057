using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.Postgres.Tests;

/// <summary>Keeps log entries with their structured state, and signals the first one at a level.</summary>
public sealed class TestLogger<T> : ILogger<T>
{
    private readonly TaskCompletionSource _firstWarning = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State)> Entries { get; } = new();

    public Task FirstWarning => _firstWarning.Task;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
        Entries.Enqueue((logLevel, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value)));
        if (logLevel >= LogLevel.Warning)
        {
            _firstWarning.TrySetResult();
        }
    }
}
