using ChatPlatform.Billing.Apis;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Billing.Ledger;

/// <summary>Usage reports, read from the per-day aggregates (never the ledger), so a read costs (days x models) rows.</summary>
public sealed class UsageQueries(NpgsqlDataSource db)
{
    /// <summary>Grouped by day, model or user; <paramref name="userId"/> limits it to one user (null: everyone).</summary>
    public async Task<(UsageTotals Total, List<UsageRow> Rows, bool More)> ReportAsync(
        UsageRange range, string groupBy, Guid? userId, int offset, int limit, CancellationToken cancellationToken)
    {
        var key = groupBy switch
        {
            UsageGroups.Day => "to_char(day, 'YYYY-MM-DD')",
            UsageGroups.Model => "model",
            UsageGroups.User => "user_id::text",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy)),
        };
        // Users by spend, highest first (the top users), the user id breaking ties so that pages do not overlap.
        var order = groupBy == UsageGroups.User ? "sum(cost_usd) DESC, key" : "key";
        var sql = $"""
            SELECT {key} AS key, sum(answers)::bigint, sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint,
                   sum(output_tokens)::bigint, sum(cost_usd)
            FROM {Source(userId, groupBy)}
            WHERE day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR user_id = $3)
            GROUP BY 1
            ORDER BY {order}
            OFFSET $4 LIMIT $5
            """;
        var rows = new List<UsageRow>();
        await using (var command = db.CreateCommand(sql))
        {
            AddRange(command, range, userId);
            command.Parameters.Add(new() { Value = offset });
            command.Parameters.Add(new() { Value = limit + 1 });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new UsageRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), Normalize(reader.GetDecimal(5))));
            }
        }
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return (await TotalAsync(range, userId, cancellationToken), rows, more);
    }

    public async Task<UsageTotals> TotalAsync(UsageRange range, Guid? userId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            SELECT coalesce(sum(answers), 0)::bigint, coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(cached_input_tokens), 0)::bigint,
                   coalesce(sum(output_tokens), 0)::bigint, coalesce(sum(cost_usd), 0)
            FROM {Source(userId, UsageGroups.Day)}
            WHERE day BETWEEN $1 AND $2 AND ($3::uuid IS NULL OR user_id = $3)
            """);
        AddRange(command, range, userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new UsageTotals(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), Normalize(reader.GetDecimal(4)));
    }

    // Everyone's figures by day or model come from the per-day totals (a row per model a day); one user's, or everyone's
    // by user, from the per-user aggregates. The totals have no user_id: their "user" condition is only ever true.
    private static string Source(Guid? userId, string groupBy) => userId is null && groupBy != UsageGroups.User
        ? "(SELECT day, model, answers, input_tokens, cached_input_tokens, output_tokens, cost_usd, NULL::uuid AS user_id FROM billing.daily_totals) AS totals"
        : "billing.daily_usage";

    private static void AddRange(NpgsqlCommand command, UsageRange range, Guid? userId)
    {
        command.Parameters.Add(new() { Value = range.From, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new() { Value = range.To, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new() { Value = userId is { } id ? id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
    }

    // numeric(24, 10) reads back with its scale (0.0004200000); without the trailing zeros it is the value summed.
    internal static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;
}
