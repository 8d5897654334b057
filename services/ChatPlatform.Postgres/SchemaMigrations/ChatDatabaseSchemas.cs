using System.Reflection;

namespace ChatPlatform.Postgres;

/// <summary>The schemas registered with <c>AddChatDatabase</c> in this process, in registration order.</summary>
internal sealed class ChatDatabaseSchemas
{
    private readonly List<(string Schema, Assembly Assembly, IReadOnlyList<Migration> Migrations)> _schemas = [];

    public IReadOnlyList<(string Schema, Assembly Assembly, IReadOnlyList<Migration> Migrations)> All => _schemas;

    public void Add(string schema, Assembly migrationsAssembly)
    {
        var existing = _schemas.FindIndex(s => s.Schema == schema);
        if (existing >= 0)
        {
            if (_schemas[existing].Assembly != migrationsAssembly)
            {
                throw new InvalidOperationException(
                    $"Schema {schema} is registered twice with different migrations ({_schemas[existing].Assembly.GetName().Name} and {migrationsAssembly.GetName().Name}); each schema has one owner.");
            }
            return;
        }
        _schemas.Add((schema, migrationsAssembly, EmbeddedMigrations.Load(migrationsAssembly)));
    }
}
