using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

public enum SignInStatus
{
    Succeeded,
    Failed,
    Throttled,
    Disabled,
    TwoFactorRequired,
}

public sealed record SignInResult(
    SignInStatus Status, AuthTokens? Tokens = null, TimeSpan RetryAfter = default, TwoFactorChallenge? Challenge = null);

/// <summary>Registration, sign-in, refresh-token rotation and sign-out.</summary>
public sealed class AccountService(
    UserStore users, RefreshTokenStore refreshTokens, SignInThrottle throttle, TokenService tokens, IOptions<AuthOptions> options,
    IPasswordHasher<User> passwordHasher, AccessTokenDenyList denyList, TwoFactorService twoFactor, TwoFactorChallenges challenges,
    SessionStore sessions)
{
    private readonly AuthOptions _options = options.Value;

    // Verified against when the email is unknown, so both failures cost the same hashing time.
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<User>().HashPassword(null!, "dummy-password-for-timing"));

    /// <summary>The new account's tokens, or null when the email is taken.</summary>
    public async Task<AuthTokens?> RegisterAsync(string email, string password, SessionDevice device, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var hash = passwordHasher.HashPassword(new User(id, email, "", Roles.User, Tiers.Free, default), password);
        var user = await users.CreateAsync(id, email, hash, _options.AdminEmail, cancellationToken);
        return user is null ? null : await IssueAsync(user, device, cancellationToken);
    }

    public async Task<SignInResult> SignInAsync(string email, string password, SessionDevice device, CancellationToken cancellationToken)
    {
        var clientAddress = device.Address;
        if (await throttle.RetryAfterAsync(email, clientAddress) is { } wait)
        {
            return new SignInResult(SignInStatus.Throttled, RetryAfter: wait);
        }
        var user = await users.FindByEmailAsync(email, cancellationToken);
        if (user is null)
        {
            passwordHasher.VerifyHashedPassword(null!, DummyHash.Value, password);
        }
        if (user is null || passwordHasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            await throttle.RecordFailureAsync(email, clientAddress);
            return new SignInResult(SignInStatus.Failed);
        }
        if (user.IsDisabled)
        {
            // Said only to whoever knows the password: a stranger cannot learn which accounts are disabled.
            await throttle.ResetAsync(email, clientAddress);
            return new SignInResult(SignInStatus.Disabled);
        }
        if (await twoFactor.IsEnabledAsync(user.Id, cancellationToken))
        {
            // No reset here: re-entering the password between wrong codes must not clear their count.
            return new SignInResult(SignInStatus.TwoFactorRequired, Challenge: challenges.Create(user));
        }
        await throttle.ResetAsync(email, clientAddress);
        return new SignInResult(SignInStatus.Succeeded, await IssueAsync(user, device, cancellationToken));
    }

    /// <summary>
    /// The second step: the challenge from <see cref="SignInAsync"/> and a code (or a recovery code). Wrong codes count as
    /// failed sign-ins of the account, from the caller's address.
    /// </summary>
    public async Task<SignInResult> CompleteTwoFactorAsync(string challenge, string code, SessionDevice device, CancellationToken cancellationToken)
    {
        var clientAddress = device.Address;
        if (await challenges.ReadAsync(challenge) is not { } userId || await users.FindByIdAsync(userId, cancellationToken) is not { } user)
        {
            return new SignInResult(SignInStatus.Failed);
        }
        if (await throttle.RetryAfterAsync(user.Email, clientAddress) is { } wait)
        {
            return new SignInResult(SignInStatus.Throttled, RetryAfter: wait);
        }
        if (!await twoFactor.VerifyAsync(user.Id, code, cancellationToken))
        {
            await throttle.RecordFailureAsync(user.Email, clientAddress);
            return new SignInResult(SignInStatus.Failed);
        }
        await throttle.ResetAsync(user.Email, clientAddress);
        return user.IsDisabled
            ? new SignInResult(SignInStatus.Disabled)
            : new SignInResult(SignInStatus.Succeeded, await IssueAsync(user, device, cancellationToken));
    }

    /// <summary>New tokens for a valid, unspent refresh token; null otherwise (a spent one also revokes its family).</summary>
    public async Task<AuthTokens?> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var next = TokenService.NewRefreshToken();
        var (outcome, userId, familyId) = await refreshTokens.RotateAsync(
            TokenService.Hash(refreshToken), TokenService.Hash(next), _options.RefreshTokenLifetime, cancellationToken);
        if (outcome == RefreshOutcome.Reused)
        {
            // The family was revoked for reuse: its access tokens go with it.
            await denyList.DenySessionAsync(familyId);
        }
        if (outcome != RefreshOutcome.Rotated || await users.FindByIdAsync(userId, cancellationToken) is not { IsDisabled: false } user)
        {
            return null;
        }
        var (access, expiresIn) = tokens.CreateAccessToken(user, familyId, await MustEnrolAsync(user, cancellationToken));
        return new AuthTokens(access, next, expiresIn, user.ToInfo());
    }

    /// <summary>Revokes the refresh token's family and denies every access token it issued.</summary>
    public async Task<bool> SignOutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        if (await refreshTokens.RevokeFamilyOfAsync(TokenService.Hash(refreshToken), cancellationToken) is not { } familyId)
        {
            return false;
        }
        await denyList.DenySessionAsync(familyId);
        return true;
    }

    private async Task<AuthTokens> IssueAsync(User user, SessionDevice device, CancellationToken cancellationToken)
    {
        var refresh = TokenService.NewRefreshToken();
        var familyId = Guid.CreateVersion7();
        await refreshTokens.IssueAsync(user.Id, familyId, TokenService.Hash(refresh), _options.RefreshTokenLifetime, cancellationToken);
        await sessions.RecordAsync(user.Id, familyId, device, cancellationToken);
        var (access, expiresIn) = tokens.CreateAccessToken(user, familyId, await MustEnrolAsync(user, cancellationToken));
        return new AuthTokens(access, refresh, expiresIn, user.ToInfo());
    }

    /// <summary>An admin without two-factor, when it is required of admins, gets tokens only for enrolling (<see cref="TwoFactorEnrolmentGate"/>).</summary>
    private async Task<bool> MustEnrolAsync(User user, CancellationToken cancellationToken) =>
        _options.RequireTwoFactorForAdmins && user.Role == Roles.Admin && !await twoFactor.IsEnabledAsync(user.Id, cancellationToken);
}
