using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;
using Npgsql;

namespace ChatPlatform.Postgres.Tests.SchemaMigrations;

public sealed class SchemaMigratorTests(PostgresFixture postgres)
{
    private static readonly Migration CreateNotes = new("0001_create_notes.sql", "CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL);");
    private static readonly Migration SeedNotes = new("0002_seed_notes.sql", "INSERT INTO notes VALUES (1, 'first');");
    private static readonly Migration AddTitles = new("0003_add_titles.sql", "ALTER TABLE notes ADD COLUMN title text;");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pending_migrations_are_applied_in_order_with_the_schema_as_search_path()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        var logger = new TestLogger<SchemaMigrator>();

        var applied = await new SchemaMigrator(dataSource, "chat", [AddTitles, SeedNotes, CreateNotes], logger).MigrateAsync(Cancellation);

        Assert.Equal(["0001_create_notes.sql", "0002_seed_notes.sql", "0003_add_titles.sql"], applied);
        Assert.Equal("first", await ScalarAsync<string>(dataSource, "SELECT text FROM chat.notes WHERE id = 1"));
        Assert.Equal(1L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'chat' AND column_name = 'title'"));
        Assert.Equal(
            [(CreateNotes.Name, CreateNotes.Checksum), (SeedNotes.Name, SeedNotes.Checksum), (AddTitles.Name, AddTitles.Checksum)],
            await HistoryAsync(dataSource, "chat"));
        var logged = logger.Entries.Where(e => e.State.ContainsKey("Migration")).Select(e => (string)e.State["Migration"]!).ToList();
        Assert.Equal(applied, logged);
    }

    [Fact]
    public async Task A_second_run_applies_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        await new SchemaMigrator(dataSource, "chat", [CreateNotes, SeedNotes]).MigrateAsync(Cancellation);
        var before = await ScalarAsync<DateTime>(dataSource, "SELECT max(applied_at) FROM chat.schema_migrations");

        var applied = await new SchemaMigrator(dataSource, "chat", [CreateNotes, SeedNotes]).MigrateAsync(Cancellation);

        Assert.Empty(applied);
        Assert.Equal(1L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM chat.notes"));
        Assert.Equal(before, await ScalarAsync<DateTime>(dataSource, "SELECT max(applied_at) FROM chat.schema_migrations"));
    }

    [Fact]
    public async Task A_new_file_is_applied_on_the_next_run()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        await new SchemaMigrator(dataSource, "chat", [CreateNotes]).MigrateAsync(Cancellation);

        var applied = await new SchemaMigrator(dataSource, "chat", [CreateNotes, SeedNotes]).MigrateAsync(Cancellation);

        Assert.Equal([SeedNotes.Name], applied);
    }

    [Fact]
    public async Task Changed_applied_migration_stops_startup()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        await new SchemaMigrator(dataSource, "chat", [CreateNotes, SeedNotes]).MigrateAsync(Cancellation);
        var edited = SeedNotes with { Sql = "INSERT INTO notes VALUES (1, 'edited');" };

        var error = await Assert.ThrowsAsync<MigrationException>(
            () => new SchemaMigrator(dataSource, "chat", [CreateNotes, edited, AddTitles]).MigrateAsync(Cancellation));

        Assert.StartsWith("Migration 0002_seed_notes.sql in schema chat was changed after it was applied", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await HistoryAsync(dataSource, "chat")).Count);
    }

    [Fact]
    public async Task Applied_migration_without_a_file_stops_startup()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        await new SchemaMigrator(dataSource, "chat", [CreateNotes, SeedNotes]).MigrateAsync(Cancellation);

        var error = await Assert.ThrowsAsync<MigrationException>(
            () => new SchemaMigrator(dataSource, "chat", [CreateNotes]).MigrateAsync(Cancellation));

        Assert.StartsWith("Migration 0002_seed_notes.sql in schema chat was applied to this database, but this service has no such file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_file_is_rolled_back_wholly_and_named_in_the_error()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        var failing = new Migration("0002_half_done.sql", """
            CREATE TABLE drafts (id int PRIMARY KEY);
            INSERT INTO notes VALUES (7, 'seven');
            INSERT INTO missing_table VALUES (1);
            """);

        var error = await Assert.ThrowsAsync<MigrationException>(
            () => new SchemaMigrator(dataSource, "chat", [CreateNotes, failing, AddTitles]).MigrateAsync(Cancellation));

        Assert.Contains("Migration 0002_half_done.sql in schema chat failed and was rolled back", error.Message, StringComparison.Ordinal);
        Assert.Contains("relation \"missing_table\" does not exist", error.Message, StringComparison.Ordinal);
        Assert.Equal([(CreateNotes.Name, CreateNotes.Checksum)], await HistoryAsync(dataSource, "chat"));
        Assert.Equal(0L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM chat.notes"));
        Assert.Equal(0L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pg_tables WHERE schemaname = 'chat' AND tablename = 'drafts'"));
        Assert.Equal(0L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'chat' AND column_name = 'title'"));
    }

    [Fact]
    public async Task Concurrent_migrators_on_one_schema_apply_each_file_exactly_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        // Each file records itself; a second application would also fail on CREATE TABLE or the primary key.
        Migration[] migrations =
        [
            new("0001_create_log.sql", "CREATE TABLE log (name text NOT NULL); CREATE TABLE once (id int PRIMARY KEY); INSERT INTO log VALUES ('0001');"),
            new("0002_slow.sql", "INSERT INTO once VALUES (2); SELECT pg_sleep(0.2); INSERT INTO log VALUES ('0002');"),
            new("0003_last.sql", "INSERT INTO once VALUES (3); INSERT INTO log VALUES ('0003');"),
        ];

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(
            _ => Task.Run(() => new SchemaMigrator(dataSource, "chat", migrations).MigrateAsync(Cancellation), Cancellation)));

        Assert.Equal(["0001_create_log.sql", "0002_slow.sql", "0003_last.sql"], runs.SelectMany(r => r).Order(StringComparer.Ordinal));
        Assert.Contains(runs, r => r.Count == 3);
        Assert.Equal(["0001", "0002", "0003"], await ListAsync(dataSource, "SELECT name FROM chat.log ORDER BY name"));
        Assert.Equal(3, (await HistoryAsync(dataSource, "chat")).Count);
    }

    [Fact]
    public async Task Different_schemas_migrate_at_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        string[] schemas = ["chat", "billing", "router", "ingestion"];

        await Task.WhenAll(schemas.Select(schema => Task.Run(
            () => new SchemaMigrator(dataSource, schema, [CreateNotes, SeedNotes]).MigrateAsync(Cancellation), Cancellation)));

        foreach (var schema in schemas)
        {
            Assert.Equal("first", await ScalarAsync<string>(dataSource, $"SELECT text FROM {schema}.notes"));
            Assert.Equal(2, (await HistoryAsync(dataSource, schema)).Count);
        }
    }

    [Fact]
    public async Task A_server_that_is_not_up_yet_is_waited_for()
    {
        var database = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(Cancellation));
        var target = database.Port;
        database.Port = FreePort.Next();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var logger = new TestLogger<SchemaMigrator>();

        var migration = new SchemaMigrator(dataSource, "chat", [CreateNotes], logger).MigrateAsync(Cancellation);
        await logger.FirstWarning.WaitAsync(Cancellation);
        Assert.False(migration.IsCompleted);
        await using var server = TcpForwarder.Start(database.Port, target);

        Assert.Equal([CreateNotes.Name], await migration);
    }

    [Fact]
    public async Task A_schema_name_that_is_not_a_plain_identifier_is_refused()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));

        Assert.Throws<ArgumentException>(() => new SchemaMigrator(dataSource, "chat\"; DROP SCHEMA public; --", [CreateNotes]));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static async Task<List<string>> ListAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var values = new List<string>();
        while (await reader.ReadAsync(Cancellation))
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    internal static async Task<List<(string Name, string Checksum)>> HistoryAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using var command = dataSource.CreateCommand($"SELECT name, checksum FROM {schema}.schema_migrations ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync(Cancellation))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }
}
