using ChatPlatform.EventLog;
using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>Commits a <c>usage.recorded</c> event in the gateway's own transaction on chatdb.</summary>
public sealed class UsageEventWriter(NpgsqlDataSource dataSource, IEventLog eventLog)
{
    public async Task AppendAsync(UsageRecorded usage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await eventLog.AppendAsync(
            connection, transaction, EventToAppend.Create(UsageRecorded.EventType, usage.UserId.ToString(), usage), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
