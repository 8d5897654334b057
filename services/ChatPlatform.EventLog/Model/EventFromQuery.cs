namespace ChatPlatform.EventLog;

/// <summary>
/// An event whose payload the database builds while the batch runs, from what the caller's earlier statements in that
/// batch wrote (an id only the database knows), so that the state and its event still cost one round trip.
/// <paramref name="PayloadQuery"/> selects one <c>jsonb</c> column, with $1.. bound to <paramref name="Parameters"/>;
/// when it selects no row, no event is written.
/// </summary>
public sealed record EventFromQuery(string Type, string Key, string PayloadQuery, IReadOnlyList<object> Parameters)
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
}
