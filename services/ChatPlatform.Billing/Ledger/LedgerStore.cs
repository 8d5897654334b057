using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Billing.Ledger;

/// <summary>Writes ledger entries and their per-day aggregates.</summary>
public sealed class LedgerStore(NpgsqlDataSource db)
{
    // One statement, so one implicit transaction: the entry and its aggregates are written together or not at all. An event
    // id already in the ledger inserts nothing, and then nothing is added to the aggregate either.
    // An answer that ends after its user's account was deleted (a stream still running) is recorded as the deletion left
    // the others: under a random id, without conversation, message, key or file (AccountDeletions).
    private const string InsertSql = """
        WITH account AS (
            SELECT EXISTS (SELECT 1 FROM billing.deleted_accounts WHERE user_id = $2) AS deleted
        ), entry AS (
            INSERT INTO billing.ledger (event_id, user_id, source, conversation_id, message_id, api_key_id, status, model, deployment,
                provider, input_tokens, cached_input_tokens, output_tokens, estimated, priced_by, input_per_million,
                cached_input_per_million, output_per_million, cost_usd, occurred_at, file_id)
            SELECT $1, CASE WHEN deleted THEN gen_random_uuid() ELSE $2 END, $3,
                CASE WHEN deleted THEN NULL ELSE $4 END, CASE WHEN deleted THEN NULL ELSE $5 END, CASE WHEN deleted THEN NULL ELSE $6 END,
                $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, CASE WHEN deleted THEN NULL ELSE $21 END
            FROM account
            ON CONFLICT (event_id) DO NOTHING
            RETURNING user_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, model, input_tokens, cached_input_tokens, output_tokens, cost_usd
        ), per_user AS (
            INSERT INTO billing.daily_usage AS d (user_id, day, model, answers, input_tokens, cached_input_tokens, output_tokens, cost_usd)
            SELECT user_id, day, model, 1, input_tokens, cached_input_tokens, output_tokens, cost_usd FROM entry
            ON CONFLICT (user_id, day, model) DO UPDATE SET
                answers = d.answers + 1,
                input_tokens = d.input_tokens + excluded.input_tokens,
                cached_input_tokens = d.cached_input_tokens + excluded.cached_input_tokens,
                output_tokens = d.output_tokens + excluded.output_tokens,
                cost_usd = d.cost_usd + excluded.cost_usd
        )
        INSERT INTO billing.daily_totals AS t (day, model, answers, input_tokens, cached_input_tokens, output_tokens, cost_usd)
        SELECT day, model, 1, input_tokens, cached_input_tokens, output_tokens, cost_usd FROM entry
        ON CONFLICT (day, model) DO UPDATE SET
            answers = t.answers + 1,
            input_tokens = t.input_tokens + excluded.input_tokens,
            cached_input_tokens = t.cached_input_tokens + excluded.cached_input_tokens,
            output_tokens = t.output_tokens + excluded.output_tokens,
            cost_usd = t.cost_usd + excluded.cost_usd
        """;

    /// <summary>Records the entry once; false when its event was recorded before (a replay or a redelivery).</summary>
    public async Task<bool> RecordAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var u = entry.Usage;
        await using var command = db.CreateCommand(InsertSql);
        command.Parameters.Add(new() { Value = entry.EventId });
        command.Parameters.Add(new() { Value = u.UserId });
        command.Parameters.Add(new() { Value = u.Source });
        command.Parameters.Add(Nullable(u.ConversationId, NpgsqlDbType.Uuid));
        command.Parameters.Add(Nullable(u.MessageId, NpgsqlDbType.Uuid));
        command.Parameters.Add(Nullable(u.ApiKeyId, NpgsqlDbType.Uuid));
        command.Parameters.Add(Nullable(u.Status, NpgsqlDbType.Text));
        command.Parameters.Add(new() { Value = u.Model });
        command.Parameters.Add(new() { Value = u.Deployment });
        command.Parameters.Add(new() { Value = u.Provider });
        command.Parameters.Add(new() { Value = u.InputTokens });
        command.Parameters.Add(new() { Value = u.CachedInputTokens });
        command.Parameters.Add(new() { Value = u.OutputTokens });
        command.Parameters.Add(new() { Value = u.Estimated });
        command.Parameters.Add(new() { Value = entry.PricedBy });
        command.Parameters.Add(Nullable(entry.Price?.InputPerMillion, NpgsqlDbType.Numeric));
        command.Parameters.Add(Nullable(entry.Price?.CachedInputPerMillion, NpgsqlDbType.Numeric));
        command.Parameters.Add(Nullable(entry.Price?.OutputPerMillion, NpgsqlDbType.Numeric));
        command.Parameters.Add(new() { Value = entry.CostUsd });
        command.Parameters.Add(new() { Value = u.OccurredAt.ToUniversalTime() });
        command.Parameters.Add(Nullable(u.FileId, NpgsqlDbType.Uuid));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
