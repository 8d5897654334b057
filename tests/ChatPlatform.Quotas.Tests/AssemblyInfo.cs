[assembly: AssemblyFixture(typeof(ChatPlatform.Testing.RedisFixture))]
