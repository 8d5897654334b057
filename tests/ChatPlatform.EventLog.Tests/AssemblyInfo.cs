using ChatPlatform.Testing;

[assembly: AssemblyFixture(typeof(PostgresFixture))]
