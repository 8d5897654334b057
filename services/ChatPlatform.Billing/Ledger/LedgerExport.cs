using System.Globalization;
using System.Text;
using ChatPlatform.Billing.Apis;
using Npgsql;

namespace ChatPlatform.Billing.Ledger;

/// <summary>
/// The ledger's entries over a range as CSV (RFC 4180), streamed row by row as the database returns them, so an export
/// of millions of rows holds one row in memory. Every text cell that a spreadsheet would read as a formula (starting
/// with <c>= + - @</c>, a tab or a carriage return) is prefixed with <c>'</c> (OWASP's CSV injection advice).
/// </summary>
public sealed class LedgerExport(NpgsqlDataSource db)
{
    public const string Header =
        "occurred_at,event_id,user_id,source,conversation_id,message_id,api_key_id,status,model,deployment,provider," +
        "input_tokens,cached_input_tokens,output_tokens,estimated,priced_by,cost_usd,file_id";

    public Task WriteAsync(UsageRange range, Stream output, CancellationToken cancellationToken) =>
        WriteAsync("occurred_at >= $1 AND occurred_at < $2", [range.Start, range.End], output, cancellationToken);

    /// <summary>Every entry of one user, for their own export of their data (docs/conversations.md, Export): by ledger_by_user.</summary>
    public Task WriteForUserAsync(Guid userId, Stream output, CancellationToken cancellationToken) =>
        WriteAsync("user_id = $1", [userId], output, cancellationToken);

    private async Task WriteAsync(string condition, object[] parameters, Stream output, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024, leaveOpen: true);
        await writer.WriteAsync(Header.AsMemory(), cancellationToken);
        await writer.WriteAsync("\r\n".AsMemory(), cancellationToken);

        await using var command = db.CreateCommand($$"""
            SELECT occurred_at, event_id, user_id, source, conversation_id, message_id, api_key_id, status, model, deployment, provider,
                   input_tokens, cached_input_tokens, output_tokens, estimated, priced_by, cost_usd, file_id
            FROM billing.ledger
            WHERE {{condition}}
            ORDER BY occurred_at, id
            """);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new() { Value = value });
        }
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var line = new StringBuilder(256);
        while (await reader.ReadAsync(cancellationToken))
        {
            line.Clear();
            line.Append(reader.GetFieldValue<DateTimeOffset>(0).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append(',');
            line.Append(reader.GetGuid(1)).Append(',');
            line.Append(reader.GetGuid(2)).Append(',');
            AppendText(line, reader.GetString(3)).Append(',');
            line.Append(reader.IsDBNull(4) ? "" : reader.GetGuid(4).ToString()).Append(',');
            line.Append(reader.IsDBNull(5) ? "" : reader.GetGuid(5).ToString()).Append(',');
            line.Append(reader.IsDBNull(6) ? "" : reader.GetGuid(6).ToString()).Append(',');
            AppendText(line, reader.IsDBNull(7) ? "" : reader.GetString(7)).Append(',');
            AppendText(line, reader.GetString(8)).Append(',');
            AppendText(line, reader.GetString(9)).Append(',');
            AppendText(line, reader.GetString(10)).Append(',');
            line.Append(reader.GetInt64(11).ToString(CultureInfo.InvariantCulture)).Append(',');
            line.Append(reader.GetInt64(12).ToString(CultureInfo.InvariantCulture)).Append(',');
            line.Append(reader.GetInt64(13).ToString(CultureInfo.InvariantCulture)).Append(',');
            line.Append(reader.GetBoolean(14) ? "true" : "false").Append(',');
            AppendText(line, reader.GetString(15)).Append(',');
            line.Append(UsageQueries.Normalize(reader.GetDecimal(16)).ToString(CultureInfo.InvariantCulture)).Append(',');
            line.Append(reader.IsDBNull(17) ? "" : reader.GetGuid(17).ToString()).Append("\r\n");
            await writer.WriteAsync(line, cancellationToken);
        }
    }

    /// <summary>A text cell, neutralised against formula injection and quoted when it holds a separator, quote or line break.</summary>
    public static StringBuilder AppendText(StringBuilder line, string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return line.Append(value);
        }
        return line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
