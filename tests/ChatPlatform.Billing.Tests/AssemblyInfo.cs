[assembly: AssemblyFixture(typeof(ChatPlatform.Testing.PostgresFixture))]
[assembly: AssemblyFixture(typeof(ChatPlatform.Testing.RedisFixture))]
