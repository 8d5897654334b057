using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary><c>identity.external_logins</c>: which local user an external issuer's subject is.</summary>
public sealed class ExternalLoginStore(NpgsqlDataSource dataSource, UserStore users)
{
    /// <summary>
    /// The local user of (<paramref name="issuer"/>, <paramref name="subject"/>), created on first sight. An existing
    /// local account with the same email is linked only when the issuer vouches for the email; otherwise null, so an
    /// issuer cannot take over an account by asserting someone else's address.
    /// </summary>
    public async Task<User?> FindOrCreateUserAsync(
        string issuer, string subject, string email, bool emailVerified, string? adminEmail, CancellationToken cancellationToken)
    {
        if (await FindAsync(issuer, subject, cancellationToken) is { } linked)
        {
            return linked;
        }
        // No password: the account signs in through its issuer only (an empty hash never verifies).
        var user = await users.CreateAsync(Guid.CreateVersion7(), email, passwordHash: "", adminEmail, cancellationToken);
        if (user is null)
        {
            if (!emailVerified)
            {
                return null;
            }
            user = await users.FindByEmailAsync(email, cancellationToken);
            if (user is null)
            {
                return null;
            }
        }
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO {UserStore.Schema}.external_logins (issuer, subject, user_id) VALUES ($1, $2, $3) ON CONFLICT (issuer, subject) DO NOTHING");
        command.Parameters.Add(new() { Value = issuer });
        command.Parameters.Add(new() { Value = subject });
        command.Parameters.Add(new() { Value = user.Id });
        await command.ExecuteNonQueryAsync(cancellationToken);
        // Two first requests at once: whichever link was written first is the one.
        return await FindAsync(issuer, subject, cancellationToken);
    }

    private async Task<User?> FindAsync(string issuer, string subject, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT u.id, u.email, u.password_hash, u.role, u.tier, u.created_at, u.disabled_at
            FROM {UserStore.Schema}.external_logins e JOIN {UserStore.Schema}.users u ON u.id = e.user_id
            WHERE e.issuer = $1 AND e.subject = $2
            """);
        command.Parameters.Add(new() { Value = issuer });
        command.Parameters.Add(new() { Value = subject });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? UserStore.Read(reader) : null;
    }
}
