using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatPlatform.Postgres;

/// <summary>
/// Brings one schema up to date: creates it, then applies each numbered file not yet in its history table,
/// in order, each in its own transaction with <c>search_path</c> set to the schema. An advisory lock on the
/// schema's name makes concurrent runs (several instances starting at once) wait for each other.
/// Files must not contain transaction control (BEGIN/COMMIT) or statements that cannot run in a transaction.
/// </summary>
public sealed partial class SchemaMigrator
{
    public const string HistoryTable = "schema_migrations";

    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly string _quotedSchema;

    public SchemaMigrator(
        NpgsqlDataSource dataSource,
        string schema,
        IEnumerable<Migration> migrations,
        ILogger<SchemaMigrator>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(migrations);
        if (!SchemaNamePattern().IsMatch(schema))
        {
            throw new ArgumentException($"Schema name '{schema}' must be lower-case letters, digits and '_', starting with a letter.", nameof(schema));
        }
        _dataSource = dataSource;
        Schema = schema;
        _quotedSchema = $"\"{schema}\"";
        _migrations = Migration.Order(migrations);
        _logger = logger ?? NullLogger<SchemaMigrator>.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public string Schema { get; }

    /// <summary>How long transient failures (the server not up yet, a dropped connection) are retried before giving up.</summary>
    public TimeSpan TransientRetryLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Applies the pending migrations and returns their names; nothing when the schema is up to date.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var started = _timeProvider.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await MigrateOnceAsync(cancellationToken);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested
                                      && _timeProvider.GetElapsedTime(started) + delay < TransientRetryLimit)
            {
                LogTransientFailure(_logger, e, Schema, attempt, delay);
                await Task.Delay(delay, _timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task<IReadOnlyList<string>> MigrateOnceAsync(CancellationToken cancellationToken)
    {
        // One connection for the whole run: the session-level advisory lock belongs to it.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var lockKey = AdvisoryLockKeys.For($"chatplatform:migrations:{Schema}");
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock($1)", cancellationToken, lockKey);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE SCHEMA IF NOT EXISTS {_quotedSchema};
                CREATE TABLE IF NOT EXISTS {_quotedSchema}.{HistoryTable} (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """, cancellationToken);
            var applied = await ReadHistoryAsync(connection, cancellationToken);
            CheckHistory(applied);

            var appliedNow = new List<string>();
            foreach (var migration in _migrations.Where(m => !applied.ContainsKey(m.Name)))
            {
                await ApplyAsync(connection, migration, cancellationToken);
                appliedNow.Add(migration.Name);
            }
            return appliedNow;
        }
        finally
        {
            // Pooled connections are reset lazily, so release the lock explicitly rather than on return to the pool.
            try
            {
                await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock($1)", CancellationToken.None, lockKey);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection broke; with it went the session and its lock.
            }
        }
    }

    private async Task<Dictionary<string, string>> ReadHistoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT name, checksum FROM {_quotedSchema}.{HistoryTable}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(reader.GetString(0), reader.GetString(1));
        }
        return applied;
    }

    private void CheckHistory(Dictionary<string, string> applied)
    {
        var files = _migrations.ToDictionary(m => m.Name, StringComparer.Ordinal);
        foreach (var (name, checksum) in applied.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!files.TryGetValue(name, out var file))
            {
                throw new MigrationException(
                    $"Migration {name} in schema {Schema} was applied to this database, but this service has no such file. "
                    + "Applied migrations must never be removed or renamed; restore the file, or run a build that has it.");
            }
            if (!string.Equals(file.Checksum, checksum, StringComparison.OrdinalIgnoreCase))
            {
                throw new MigrationException(
                    $"Migration {name} in schema {Schema} was changed after it was applied (applied checksum {checksum}, file checksum {file.Checksum}). "
                    + "Applied migrations must never change; restore the file and put the change in a new numbered migration.");
            }
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, transaction, $"SET LOCAL search_path TO {_quotedSchema}", cancellationToken);
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await ExecuteAsync(connection, transaction,
                $"INSERT INTO {_quotedSchema}.{HistoryTable} (name, checksum) VALUES ($1, $2)", cancellationToken,
                migration.Name, migration.Checksum);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (!e.IsTransient)
        {
            throw new MigrationException(
                $"Migration {migration.Name} in schema {Schema} failed and was rolled back: {Describe(e)}", e);
        }
        LogApplied(_logger, Schema, migration.Name, migration.Checksum, stopwatch.ElapsedMilliseconds);
    }

    private static string Describe(PostgresException e)
    {
        var text = $"{e.SqlState}: {e.MessageText}";
        if (!string.IsNullOrEmpty(e.Detail))
        {
            text += $" DETAIL: {e.Detail}";
        }
        if (!string.IsNullOrEmpty(e.Hint))
        {
            text += $" HINT: {e.Hint}";
        }
        return text;
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static bool IsTransient(Exception e) => e is NpgsqlException { IsTransient: true } or TimeoutException;

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SchemaNamePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration} to schema {Schema} in {ElapsedMs} ms (checksum {Checksum})")]
    private static partial void LogApplied(ILogger logger, string schema, string migration, string checksum, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migrating schema {Schema} failed transiently (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogTransientFailure(ILogger logger, Exception exception, string schema, int attempt, TimeSpan delay);
}
