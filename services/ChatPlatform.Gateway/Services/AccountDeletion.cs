using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.AspNetCore.Identity;

namespace ChatPlatform.Gateway.Services;

public enum AccountDeletionStatus
{
    Deleted,
    Gone,
    PasswordRequired,
    WrongPassword,
    SignInAgain,
    Throttled,
}

public sealed record AccountDeletionResult(AccountDeletionStatus Status, TimeSpan RetryAfter = default);

/// <summary>
/// <c>DELETE /v1/me</c>: proves it is the owner (the current password, or for an account without one a sign-in at its
/// issuer within <see cref="RecentSignIn"/>), then deletes the identity and announces it. Wrong passwords count as
/// failed sign-ins, so a stolen access token cannot be used to guess the password here instead.
/// </summary>
public sealed partial class AccountDeletion(
    UserStore users, AccountDeletionStore store, SignInThrottle throttle, IPasswordHasher<User> passwordHasher,
    AccessTokenDenyList denyList, TimeProvider time, ILogger<AccountDeletion> logger)
{
    /// <summary>How recent an external sign-in must be to delete an account that has no password.</summary>
    public static readonly TimeSpan RecentSignIn = TimeSpan.FromMinutes(10);

    /// <summary>The claim ExternalSignIn carries over from the issuer's token: when the user last signed in there.</summary>
    public const string AuthTimeClaim = "auth_time";

    public async Task<AccountDeletionResult> DeleteAsync(
        ClaimsPrincipal principal, string? password, string clientAddress, CancellationToken cancellationToken)
    {
        if (principal.UserId() is not { } userId || await users.FindByIdAsync(userId, cancellationToken) is not { } user)
        {
            return new AccountDeletionResult(AccountDeletionStatus.Gone);
        }
        if (user.PasswordHash.Length > 0)
        {
            if (string.IsNullOrEmpty(password))
            {
                return new AccountDeletionResult(AccountDeletionStatus.PasswordRequired);
            }
            if (await throttle.RetryAfterAsync(user.Email, clientAddress) is { } wait)
            {
                return new AccountDeletionResult(AccountDeletionStatus.Throttled, wait);
            }
            if (password.Length > AccountRules.MaximumPasswordLength
                || passwordHasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
            {
                await throttle.RecordFailureAsync(user.Email, clientAddress);
                return new AccountDeletionResult(AccountDeletionStatus.WrongPassword);
            }
        }
        else if (!SignedInRecently(principal))
        {
            return new AccountDeletionResult(AccountDeletionStatus.SignInAgain);
        }
        if (!await store.DeleteAsync(userId, DenyAsync, cancellationToken))
        {
            return new AccountDeletionResult(AccountDeletionStatus.Gone);
        }
        LogDeleted(logger, userId);
        return new AccountDeletionResult(AccountDeletionStatus.Deleted);
    }

    private async Task DenyAsync(IReadOnlyList<Guid> sessions)
    {
        foreach (var session in sessions)
        {
            await denyList.DenySessionAsync(session);
        }
    }

    private bool SignedInRecently(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(AuthTimeClaim), out var seconds)
        && time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds) <= RecentSignIn;

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {UserId} deleted")]
    private static partial void LogDeleted(ILogger logger, Guid userId);
}
