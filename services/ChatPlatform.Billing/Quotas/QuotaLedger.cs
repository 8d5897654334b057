using ChatPlatform.Quotas;
using Npgsql;

namespace ChatPlatform.Billing.Quotas;

/// <summary>
/// What the ledger's per-user aggregates (<c>billing.daily_usage</c>) say was used in a quota's window: the truth the
/// Redis counters are rebuilt from, and what <c>GET /v1/usage</c> shows. Tokens are input plus output tokens.
/// </summary>
public sealed class QuotaLedger(NpgsqlDataSource db)
{
    public async Task<(long Tokens, decimal CostUsd)> UsedAsync(Guid userId, QuotaWindow window, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT coalesce(sum(input_tokens + output_tokens), 0)::bigint, coalesce(sum(cost_usd), 0)
            FROM billing.daily_usage
            WHERE user_id = $1 AND day >= $2 AND day < $3 AND ($4::text IS NULL OR model = $4)
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = Start(window) });
        command.Parameters.Add(new() { Value = DateOnly.FromDateTime(window.ResetsAt.UtcDateTime) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)window.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetDecimal(1));
    }

    /// <summary>Per (user, day, model) since <paramref name="from"/>: what a rebuild of every counter of the month reads.</summary>
    public async IAsyncEnumerable<(Guid UserId, DateOnly Day, string Model, long Tokens, decimal CostUsd)> SinceAsync(
        DateOnly from, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT user_id, day, model, input_tokens + output_tokens, cost_usd FROM billing.daily_usage WHERE day >= $1");
        command.Parameters.Add(new() { Value = from });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (reader.GetGuid(0), reader.GetFieldValue<DateOnly>(1), reader.GetString(2), reader.GetInt64(3), reader.GetDecimal(4));
        }
    }

    public static DateOnly Start(QuotaWindow window)
    {
        var end = DateOnly.FromDateTime(window.ResetsAt.UtcDateTime);
        return window.Window == QuotaWindow.Day ? end.AddDays(-1) : end.AddMonths(-1);
    }
}
