using Npgsql;

namespace ChatPlatform.Postgres;

/// <summary>What services add to the shared data source's builder (<c>ConfigureChatDataSource</c>), in call order.</summary>
internal sealed class ChatDataSourcePlugins
{
    private readonly List<Action<NpgsqlDataSourceBuilder>> _configure = [];

    public bool Any => _configure.Count > 0;

    public void Add(Action<NpgsqlDataSourceBuilder> configure) => _configure.Add(configure);

    public void Apply(NpgsqlDataSourceBuilder builder)
    {
        foreach (var configure in _configure)
        {
            configure(builder);
        }
    }
}
