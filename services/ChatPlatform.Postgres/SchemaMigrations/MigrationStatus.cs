namespace ChatPlatform.Postgres;

/// <summary>Which schemas this process has migrated; lets background work wait for its tables before touching them.</summary>
public sealed class MigrationStatus
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskCompletionSource> _schemas = new(StringComparer.Ordinal);

    public bool IsApplied(string schema) => Completion(schema).Task.IsCompletedSuccessfully;

    /// <summary>Completes when the schema's migrations are applied; faults if they failed.</summary>
    public Task WhenAppliedAsync(string schema, CancellationToken cancellationToken = default) =>
        Completion(schema).Task.WaitAsync(cancellationToken);

    internal void MarkApplied(string schema) => Completion(schema).TrySetResult();

    internal void MarkFailed(string schema, Exception exception) => Completion(schema).TrySetException(exception);

    private TaskCompletionSource Completion(string schema)
    {
        lock (_lock)
        {
            if (!_schemas.TryGetValue(schema, out var completion))
            {
                completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _schemas.Add(schema, completion);
            }
            return completion;
        }
    }
}
