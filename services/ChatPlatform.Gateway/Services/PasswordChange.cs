using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.AspNetCore.Identity;

namespace ChatPlatform.Gateway.Services;

public enum PasswordChangeStatus
{
    Changed,
    Invalid,
    NoPassword,
    WrongPassword,
    Throttled,
    Gone,
}

public sealed record PasswordChangeResult(
    PasswordChangeStatus Status, IReadOnlyDictionary<string, string[]>? Errors = null, TimeSpan RetryAfter = default);

/// <summary>
/// <c>POST /v1/me/password</c>: proves the current password, sets the new one and signs out every other session (their
/// refresh tokens revoked, their access tokens denied at once); the session that asked stays signed in. Wrong current
/// passwords count as failed sign-ins, so a stolen access token cannot be used to guess the password here instead.
/// </summary>
public sealed partial class PasswordChange(
    UserStore users, SignInThrottle throttle, IPasswordHasher<User> passwordHasher, AccessTokenDenyList denyList,
    ILogger<PasswordChange> logger)
{
    public async Task<PasswordChangeResult> ChangeAsync(
        ClaimsPrincipal principal, ChangePasswordRequest request, string clientAddress, CancellationToken cancellationToken)
    {
        if (principal.UserId() is not { } userId || await users.FindByIdAsync(userId, cancellationToken) is not { } user)
        {
            return new PasswordChangeResult(PasswordChangeStatus.Gone);
        }
        if (user.PasswordHash.Length == 0)
        {
            return new PasswordChangeResult(PasswordChangeStatus.NoPassword);
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            errors["currentPassword"] = ["The current password is required."];
        }
        AccountRules.CheckPassword(request.NewPassword, user.Email, errors);
        if (errors.Remove("password", out var problems))
        {
            errors["newPassword"] = problems;
        }
        if (errors.Count > 0)
        {
            return new PasswordChangeResult(PasswordChangeStatus.Invalid, errors);
        }
        if (await throttle.RetryAfterAsync(user.Email, clientAddress) is { } wait)
        {
            return new PasswordChangeResult(PasswordChangeStatus.Throttled, RetryAfter: wait);
        }
        if (request.CurrentPassword!.Length > AccountRules.MaximumPasswordLength
            || passwordHasher.VerifyHashedPassword(user, user.PasswordHash, request.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            await throttle.RecordFailureAsync(user.Email, clientAddress);
            return new PasswordChangeResult(PasswordChangeStatus.WrongPassword);
        }
        var keep = Guid.TryParseExact(principal.FindFirstValue(GatewayClaims.Session), "N", out var session) ? session : Guid.Empty;
        var revoked = await users.ChangePasswordAsync(userId, passwordHasher.HashPassword(user, request.NewPassword!), keep, cancellationToken);
        await denyList.DenySessionsAsync(revoked);
        LogChanged(logger, userId, revoked.Count);
        return new PasswordChangeResult(PasswordChangeStatus.Changed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Password of {UserId} changed; {Sessions} other sessions signed out")]
    private static partial void LogChanged(ILogger logger, Guid userId, int sessions);
}
