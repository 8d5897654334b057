using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary><c>identity.user_settings</c>: one row per user, written on the first change.</summary>
public sealed class UserSettingsStore(NpgsqlDataSource dataSource)
{
    private const string Schema = UserStore.Schema;

    public async Task<UserSettings> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT display_name, default_model, theme, enter_to_send, system_prompt FROM {Schema}.user_settings WHERE user_id = $1
            """);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new UserSettings(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetString(4))
            : UserSettings.Defaults;
    }

    /// <summary>Replaces the preferences, keeping the name.</summary>
    public async Task<UserSettings> SavePreferencesAsync(Guid userId, UserSettings settings, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.user_settings (user_id, default_model, theme, enter_to_send, system_prompt) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (user_id) DO UPDATE SET default_model = $2, theme = $3, enter_to_send = $4, system_prompt = $5, updated_at = now()
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(Text(settings.DefaultModel));
        command.Parameters.Add(new() { Value = settings.Theme });
        command.Parameters.Add(new() { Value = settings.EnterToSend });
        command.Parameters.Add(Text(settings.SystemPrompt));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return await GetAsync(userId, cancellationToken);
    }

    /// <summary>Sets (or, with null, clears) the profile's name, keeping the preferences.</summary>
    public async Task<UserSettings> SaveDisplayNameAsync(Guid userId, string? displayName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.user_settings (user_id, display_name) VALUES ($1, $2)
            ON CONFLICT (user_id) DO UPDATE SET display_name = $2, updated_at = now()
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(Text(displayName));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return await GetAsync(userId, cancellationToken);
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };
}
