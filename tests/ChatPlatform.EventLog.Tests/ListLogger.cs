using Microsoft.Extensions.Logging;

namespace ChatPlatform.EventLog.Tests;

/// <summary>Keeps every formatted log line (with its exception), to check what was logged and that no secret was.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public string Text => string.Join(Environment.NewLine, Lines);

    /// <summary>Waits for a line containing <paramref name="text"/> (at most 30 s).</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_lines.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
                {
                    return line;
                }
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No line with '{text}' in:{Environment.NewLine}{Text}");
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _lines.Add($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : $" {exception}")}");
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.SetResult();
    }
}
