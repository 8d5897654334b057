using System.Data.Common;
using System.Text.Json;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// The catalog tables (<c>router.models</c>, <c>router.deployments</c>). Writes bump <c>version</c> only when something
/// changed, so reseeding the same configuration is a no-op.
/// </summary>
public sealed class CatalogStore(NpgsqlDataSource dataSource, AdminAuditLog audit)
{
    public const string Schema = "router";

    private const string ModelColumns =
        "id, display_name, context_window, max_output_tokens, vision, tools, strategy, enabled, source, version, created_at, updated_at, tiers, "
        + "embedding_dimensions, temperature";

    private const string DeploymentColumns =
        "id, model_id, provider, provider_model, endpoint, api_key_setting, priority, weight, input_per_million, "
        + "cached_input_per_million, output_per_million, enabled, simulator, source, version, created_at, updated_at";

    private const string UpsertModelSql = $"""
        INSERT INTO {Schema}.models (id, display_name, context_window, max_output_tokens, vision, tools, strategy, enabled, source, tiers,
            embedding_dimensions, temperature)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (id) DO UPDATE SET
            display_name = excluded.display_name, context_window = excluded.context_window,
            max_output_tokens = excluded.max_output_tokens, vision = excluded.vision, tools = excluded.tools,
            embedding_dimensions = excluded.embedding_dimensions, strategy = excluded.strategy, enabled = excluded.enabled, source = excluded.source,
            tiers = excluded.tiers, temperature = excluded.temperature, version = models.version + 1, updated_at = now()
        WHERE (models.display_name, models.context_window, models.max_output_tokens, models.vision, models.tools,
               models.embedding_dimensions, models.strategy, models.enabled, models.source, models.tiers, models.temperature)
            IS DISTINCT FROM (excluded.display_name, excluded.context_window, excluded.max_output_tokens, excluded.vision,
               excluded.tools, excluded.embedding_dimensions, excluded.strategy, excluded.enabled, excluded.source, excluded.tiers,
               excluded.temperature)
        RETURNING xmax = 0
        """;

    private const string UpsertDeploymentSql = $"""
        INSERT INTO {Schema}.deployments (id, model_id, provider, provider_model, endpoint, api_key_setting, priority, weight,
            input_per_million, cached_input_per_million, output_per_million, enabled, simulator, source)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (id) DO UPDATE SET
            model_id = excluded.model_id, provider = excluded.provider, provider_model = excluded.provider_model,
            endpoint = excluded.endpoint, api_key_setting = excluded.api_key_setting, priority = excluded.priority,
            weight = excluded.weight, input_per_million = excluded.input_per_million,
            cached_input_per_million = excluded.cached_input_per_million, output_per_million = excluded.output_per_million,
            enabled = excluded.enabled, simulator = excluded.simulator, source = excluded.source,
            version = deployments.version + 1, updated_at = now()
        WHERE (deployments.model_id, deployments.provider, deployments.provider_model, deployments.endpoint,
               deployments.api_key_setting, deployments.priority, deployments.weight, deployments.input_per_million,
               deployments.cached_input_per_million, deployments.output_per_million, deployments.enabled,
               deployments.simulator, deployments.source)
            IS DISTINCT FROM (excluded.model_id, excluded.provider, excluded.provider_model, excluded.endpoint,
               excluded.api_key_setting, excluded.priority, excluded.weight, excluded.input_per_million,
               excluded.cached_input_per_million, excluded.output_per_million, excluded.enabled, excluded.simulator,
               excluded.source)
        RETURNING xmax = 0
        """;

    public async Task<IReadOnlyList<StoredModel>> ListModelsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ModelColumns} FROM {Schema}.models ORDER BY id");
        return await ReadAllAsync(command, ReadModel, cancellationToken);
    }

    public async Task<StoredModel?> FindModelAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ModelColumns} FROM {Schema}.models WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAllAsync(command, ReadModel, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<StoredDeployment>> ListDeploymentsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {DeploymentColumns} FROM {Schema}.deployments ORDER BY model_id, priority, id");
        return await ReadAllAsync(command, ReadDeployment, cancellationToken);
    }

    public async Task<StoredDeployment?> FindDeploymentAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {DeploymentColumns} FROM {Schema}.deployments WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAllAsync(command, ReadDeployment, cancellationToken)).SingleOrDefault();
    }

    /// <summary>An admin's create-or-replace, written with its audit row in one transaction (none when nothing changed).</summary>
    public async Task<Upserted<StoredModel>> UpsertModelAsync(ModelDefinition model, AdminActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var before = await FindModelAsync(connection, transaction, model.Id, cancellationToken);
        var changed = await UpsertModelAsync(connection, transaction, model, CatalogEntrySource.Admin, cancellationToken);
        var after = await FindModelAsync(connection, transaction, model.Id, cancellationToken) ?? throw Vanished(model.Id);
        if (changed is not null)
        {
            await audit.AppendAsync(connection, transaction, actor, before is null ? AdminAuditLog.Create : AdminAuditLog.Update,
                CatalogAuditEntities.Model, model.Id, before?.Definition, after.Definition, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new(after, changed == true);
    }

    /// <summary>As <see cref="UpsertModelAsync(ModelDefinition, AdminActor, CancellationToken)"/>; null when the deployment's model does not exist.</summary>
    public async Task<Upserted<StoredDeployment>?> UpsertDeploymentAsync(
        DeploymentDefinition deployment, AdminActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var before = await FindDeploymentAsync(connection, transaction, deployment.Id, cancellationToken);
        bool? changed;
        try
        {
            changed = await UpsertDeploymentAsync(connection, transaction, deployment, CatalogEntrySource.Admin, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return null;
        }
        var after = await FindDeploymentAsync(connection, transaction, deployment.Id, cancellationToken) ?? throw Vanished(deployment.Id);
        if (changed is not null)
        {
            await audit.AppendAsync(connection, transaction, actor, before is null ? AdminAuditLog.Create : AdminAuditLog.Update,
                CatalogAuditEntities.Deployment, deployment.Id, before?.Definition, after.Definition, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new(after, changed == true);
    }

    /// <summary>Deletes the model and, with it, its deployments (each audited); false when there was no such model.</summary>
    public async Task<bool> DeleteModelAsync(string id, AdminActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await FindModelAsync(connection, transaction, id, cancellationToken) is not { } model)
        {
            return false;
        }
        await using (var deployments = new NpgsqlCommand(
            $"DELETE FROM {Schema}.deployments WHERE model_id = $1 RETURNING {DeploymentColumns}", connection, transaction))
        {
            deployments.Parameters.Add(new NpgsqlParameter { Value = id });
            foreach (var deployment in await ReadAllAsync(deployments, ReadDeployment, cancellationToken))
            {
                await audit.AppendAsync(connection, transaction, actor, AdminAuditLog.Delete, CatalogAuditEntities.Deployment,
                    deployment.Definition.Id, deployment.Definition, null, cancellationToken);
            }
        }
        var deleted = await DeleteAsync(connection, transaction, "models", id, cancellationToken);
        if (deleted)
        {
            await audit.AppendAsync(connection, transaction, actor, AdminAuditLog.Delete, CatalogAuditEntities.Model, id, model.Definition, null, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<bool> DeleteDeploymentAsync(string id, AdminActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await FindDeploymentAsync(connection, transaction, id, cancellationToken) is not { } deployment
            || !await DeleteAsync(connection, transaction, "deployments", id, cancellationToken))
        {
            return false;
        }
        await audit.AppendAsync(connection, transaction, actor, AdminAuditLog.Delete, CatalogAuditEntities.Deployment, id, deployment.Definition, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Upserts the start-up entries in one transaction and retires earlier start-up entries no longer present (their
    /// provider key was removed, say). Admin-created rows are left alone. Instances starting together take turns.
    /// </summary>
    public async Task<SeedResult> SeedAsync(
        IReadOnlyList<(ModelDefinition Model, CatalogEntrySource Source)> models,
        IReadOnlyList<(DeploymentDefinition Deployment, CatalogEntrySource Source)> deployments,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = AdvisoryLockKeys.For("chatplatform:router:catalog-seed") });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var changed = 0;
        foreach (var (model, source) in models)
        {
            changed += await UpsertModelAsync(connection, transaction, model, source, cancellationToken) is null ? 0 : 1;
        }
        foreach (var (deployment, source) in deployments)
        {
            changed += await UpsertDeploymentAsync(connection, transaction, deployment, source, cancellationToken) is null ? 0 : 1;
        }

        await using var retire = new NpgsqlCommand($"""
            WITH retired_deployments AS (
                DELETE FROM {Schema}.deployments
                WHERE source <> 'admin' AND NOT (id = ANY($2))
                RETURNING id
            ),
            retired_models AS (
                DELETE FROM {Schema}.models m
                WHERE m.source <> 'admin' AND NOT (m.id = ANY($1))
                  AND NOT EXISTS (
                      SELECT 1 FROM {Schema}.deployments d
                      WHERE d.model_id = m.id AND d.id NOT IN (SELECT id FROM retired_deployments))
                RETURNING m.id
            )
            SELECT (SELECT count(*) FROM retired_deployments) + (SELECT count(*) FROM retired_models)
            """, connection, transaction);
        retire.Parameters.Add(new NpgsqlParameter { Value = models.Select(m => m.Model.Id).ToArray() });
        retire.Parameters.Add(new NpgsqlParameter { Value = deployments.Select(d => d.Deployment.Id).ToArray() });
        changed += (int)(long)(await retire.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new SeedResult(changed);
    }

    /// <summary>True when inserted, false when updated, null when it existed unchanged.</summary>
    private static async Task<bool?> UpsertModelAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, ModelDefinition model, CatalogEntrySource source,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(UpsertModelSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = model.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = model.DisplayName });
        command.Parameters.Add(new NpgsqlParameter { Value = model.ContextWindow });
        command.Parameters.Add(new NpgsqlParameter { Value = model.MaxOutputTokens });
        command.Parameters.Add(new NpgsqlParameter { Value = model.Capabilities.Vision });
        command.Parameters.Add(new NpgsqlParameter { Value = model.Capabilities.Tools });
        command.Parameters.Add(new NpgsqlParameter { Value = model.Strategy.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = model.Enabled });
        command.Parameters.Add(new NpgsqlParameter { Value = SourceName(source) });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = model.Tiers?.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = model.Capabilities.EmbeddingDimensions, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = model.Capabilities.Temperature });
        // No row back: it existed and nothing changed.
        return await command.ExecuteScalarAsync(cancellationToken) is bool inserted ? inserted : null;
    }

    private static async Task<bool?> UpsertDeploymentAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, DeploymentDefinition deployment, CatalogEntrySource source,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(UpsertDeploymentSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.ModelId });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Provider.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.ProviderModel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = deployment.Endpoint?.OriginalString, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = deployment.ApiKeySetting, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Priority });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Weight });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Price.InputPerMillion });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Price.CachedInputPerMillion });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Price.OutputPerMillion });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.Enabled });
        command.Parameters.Add(new NpgsqlParameter<string?>
        {
            TypedValue = deployment.Simulator is null ? null : JsonSerializer.Serialize(deployment.Simulator, JsonDefaults.Options),
            NpgsqlDbType = NpgsqlDbType.Jsonb,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = SourceName(source) });
        return await command.ExecuteScalarAsync(cancellationToken) is bool inserted ? inserted : null;
    }

    private static async Task<bool> DeleteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string table, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {Schema}.{table} WHERE id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    // Locks the row (when there is one) so that the audit's "before" is what the change replaced.
    private static async Task<StoredModel?> FindModelAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {ModelColumns} FROM {Schema}.models WHERE id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAllAsync(command, ReadModel, cancellationToken)).SingleOrDefault();
    }

    private static async Task<StoredDeployment?> FindDeploymentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {DeploymentColumns} FROM {Schema}.deployments WHERE id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAllAsync(command, ReadDeployment, cancellationToken)).SingleOrDefault();
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private static StoredModel ReadModel(DbDataReader reader) => new(
        new ModelDefinition(
            reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
            new ModelCapabilities(reader.GetBoolean(4), reader.GetBoolean(5), reader.IsDBNull(13) ? null : reader.GetInt32(13),
                reader.GetBoolean(14)),
            Enum.Parse<RoutingStrategy>(reader.GetString(6)), reader.GetBoolean(7),
            reader.IsDBNull(12) ? null : reader.GetFieldValue<string[]>(12)),
        ParseSource(reader.GetString(8)), reader.GetInt64(9),
        reader.GetFieldValue<DateTimeOffset>(10), reader.GetFieldValue<DateTimeOffset>(11));

    private static StoredDeployment ReadDeployment(DbDataReader reader) => new(
        new DeploymentDefinition(
            reader.GetString(0), reader.GetString(1), Enum.Parse<ProviderKind>(reader.GetString(2)), reader.GetString(3),
            reader.IsDBNull(4) ? null : new Uri(reader.GetString(4), UriKind.Absolute),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.GetInt32(6), reader.GetInt32(7),
            new Pricing(reader.GetDecimal(8), reader.GetDecimal(9), reader.GetDecimal(10)),
            reader.GetBoolean(11),
            reader.IsDBNull(12) ? null : JsonSerializer.Deserialize<SimulatorSettings>(reader.GetString(12), JsonDefaults.Options)),
        ParseSource(reader.GetString(13)), reader.GetInt64(14),
        reader.GetFieldValue<DateTimeOffset>(15), reader.GetFieldValue<DateTimeOffset>(16));

    private static string SourceName(CatalogEntrySource source) => source switch
    {
        CatalogEntrySource.Default => "default",
        CatalogEntrySource.Configuration => "configuration",
        _ => "admin",
    };

    private static CatalogEntrySource ParseSource(string source) => source switch
    {
        "default" => CatalogEntrySource.Default,
        "configuration" => CatalogEntrySource.Configuration,
        _ => CatalogEntrySource.Admin,
    };

    private static InvalidOperationException Vanished(string id) => new($"Catalog entry '{id}' was deleted while it was being written.");
}

public sealed record SeedResult(int Changed);
