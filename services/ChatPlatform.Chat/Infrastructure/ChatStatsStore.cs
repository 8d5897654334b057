using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The platform's answer figures for the admin console, across every chat instance: one round trip over the index of
/// finished answers (<c>messages_answers_by_finish</c>) and the partial index of streaming ones.
/// </summary>
public sealed class ChatStatsStore(NpgsqlDataSource dataSource)
{
    // Failed and interrupted answers count as errors; a stop is the user's choice, not a failure.
    private const string Sql = """
        WITH finished AS (
            SELECT finished_at, status, time_to_first_token_ms
            FROM chat.messages
            WHERE role = 'assistant' AND finished_at IS NOT NULL AND finished_at > $1 AND finished_at <= $2
        )
        SELECT 0 AS kind, NULL::timestamptz AS minute,
               count(*) AS answers,
               count(*) FILTER (WHERE status IN ('failed', 'interrupted')) AS errors,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_first_token_ms) AS ttft_p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY time_to_first_token_ms) AS ttft_p95,
               (SELECT count(*) FROM chat.messages WHERE status = 'streaming') AS streaming
        FROM finished
        UNION ALL
        SELECT 1, date_bin('1 minute', finished_at, TIMESTAMPTZ '2000-01-01'), count(*),
               count(*) FILTER (WHERE status IN ('failed', 'interrupted')), NULL, NULL, NULL
        FROM finished
        GROUP BY 2
        ORDER BY 1, 2
        """;

    public async Task<ChatStats> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        ChatStatsTotals? totals = null;
        var minutes = new List<ChatStatsMinute>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt32(0) == 0)
            {
                totals = new ChatStatsTotals(
                    reader.GetInt64(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetDouble(4),
                    reader.IsDBNull(5) ? null : reader.GetDouble(5),
                    reader.GetInt64(6));
            }
            else
            {
                minutes.Add(new ChatStatsMinute(reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }
        return new ChatStats(totals ?? throw new InvalidOperationException("The totals row is missing."), minutes);
    }
}

public sealed record ChatStats(ChatStatsTotals Totals, IReadOnlyList<ChatStatsMinute> Minutes);

/// <param name="Streaming">Answers streaming now on any instance (rows still <c>streaming</c>).</param>
public sealed record ChatStatsTotals(long Answers, long Errors, double? TimeToFirstTokenP50Ms, double? TimeToFirstTokenP95Ms, long Streaming);

public sealed record ChatStatsMinute(DateTimeOffset Minute, long Answers, long Errors);
