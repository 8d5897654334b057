using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The heartbeats of chat instances (<c>chat.chat_instances</c>): one row per instance, refreshed every few seconds,
/// instead of one update per streaming answer. An answer whose instance's heartbeat is stale has lost its owner.
/// </summary>
public sealed class InstanceStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// One round trip: the instance's heartbeat and, when any are given, the text its answers have streamed so far (only
    /// those still streaming; a finished answer keeps what its owner or a sweeper committed). Each statement stands alone:
    /// a text that cannot be saved never costs the instance its heartbeat (and its answers their owner).
    /// </summary>
    public async Task BeatAsync(Guid instanceId, DateTimeOffset now, IReadOnlyList<PartialAnswer> partials, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.EnableErrorBarriers = true;
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO chat.chat_instances (id, heartbeat_at) VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at
            """)
        {
            Parameters = { new() { Value = instanceId }, new() { Value = now } },
        });
        if (partials.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                UPDATE chat.messages m SET content = p.content, last_event_id = p.last_event_id
                FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[]) AS p(user_id, id, content, last_event_id)
                WHERE m.user_id = p.user_id AND m.id = p.id AND m.status = 'streaming'
                """)
            {
                Parameters =
                {
                    new() { Value = partials.Select(p => p.UserId).ToArray() },
                    new() { Value = partials.Select(p => p.MessageId).ToArray() },
                    new() { Value = partials.Select(p => p.Content).ToArray() },
                    new() { Value = partials.Select(p => p.LastEventId).ToArray() },
                },
            });
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A clean stop, once every turn here is committed: the heartbeat is dated to the beginning of time, so anything of
    /// this instance still streaming (a commit that failed) is swept at once, and the row is removed at the next sweep.
    /// </summary>
    public async Task RetireAsync(Guid instanceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE chat.chat_instances SET heartbeat_at = '-infinity' WHERE id = $1");
        command.Parameters.Add(new() { Value = instanceId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Rows of instances silent since <paramref name="before"/> that no streaming answer names any more.</summary>
    public async Task<int> RemoveGoneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM chat.chat_instances i
            WHERE i.heartbeat_at < $1
              AND NOT EXISTS (SELECT 1 FROM chat.messages m WHERE m.instance_id = i.id AND m.status = 'streaming')
            """);
        command.Parameters.Add(new() { Value = before });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <param name="LastEventId">The number of the last event the owner had sent when the text was taken.</param>
public sealed record PartialAnswer(Guid UserId, Guid MessageId, string Content, long LastEventId);
