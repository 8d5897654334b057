using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

public enum TwoFactorEnableStatus
{
    Enabled,
    NotSetUp,
    WrongCode,
}

public sealed record TwoFactorEnableResult(TwoFactorEnableStatus Status, RecoveryCodes? Codes = null);

public enum TwoFactorDisableStatus
{
    Disabled,
    NotEnabled,
    WrongProof,
    Throttled,
    RequiredForAdmins,
}

public sealed record TwoFactorDisableResult(TwoFactorDisableStatus Status, TimeSpan RetryAfter = default);

/// <summary>
/// Enrolment (a new secret, confirmed with a code, then recovery codes) and checking a code at sign-in: a TOTP code is
/// accepted once (its step is spent), a recovery code once (it is deleted). Secrets and codes are never logged.
/// </summary>
public sealed partial class TwoFactorService(
    TwoFactorStore store, TwoFactorSecretProtector protector, SignInThrottle throttle, IPasswordHasher<User> passwordHasher,
    IOptions<AuthOptions> options, TimeProvider time, ILogger<TwoFactorService> logger)
{
    public const string IssuerName = "ChatPlatform";
    public const int SecretBytes = 20;
    public const int RecoveryCodeCount = 10;
    private const int RecoveryCodeChars = 16;
    private const string RecoveryAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public async Task<TwoFactorStatus> StatusAsync(Guid userId, CancellationToken cancellationToken) =>
        await store.FindAsync(userId, cancellationToken) is { Enabled: true } record
            ? new TwoFactorStatus(true, record.RecoveryCodesLeft)
            : new TwoFactorStatus(false, 0);

    public Task<bool> IsEnabledAsync(Guid userId, CancellationToken cancellationToken) => store.IsEnabledAsync(userId, cancellationToken);

    /// <summary>A new 160-bit secret kept unconfirmed until <see cref="EnableAsync"/>; null when two-factor is already on.</summary>
    public async Task<TwoFactorSetup?> SetupAsync(User user, CancellationToken cancellationToken)
    {
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        if (!await store.SavePendingAsync(user.Id, protector.Protect(secret, user.Id), cancellationToken))
        {
            return null;
        }
        var key = Base32.Encode(secret);
        var label = $"{Uri.EscapeDataString(IssuerName)}:{Uri.EscapeDataString(user.Email)}";
        return new TwoFactorSetup(key, $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString(IssuerName)}&algorithm=SHA1&digits={Totp.Digits}&period={(int)Totp.Step.TotalSeconds}");
    }

    public async Task<TwoFactorEnableResult> EnableAsync(Guid userId, string code, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(userId, cancellationToken) is not { Enabled: false } pending
            || protector.Unprotect(pending.SealedSecret, userId) is not { } secret)
        {
            return new TwoFactorEnableResult(TwoFactorEnableStatus.NotSetUp);
        }
        if (Totp.MatchingStep(secret, code, time.GetUtcNow()) is not { } step)
        {
            return new TwoFactorEnableResult(TwoFactorEnableStatus.WrongCode);
        }
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        if (!await store.EnableAsync(userId, step, [.. codes.Select(c => HashRecoveryCode(userId, c))], cancellationToken))
        {
            // Enabled by a concurrent request meanwhile: that one showed the codes.
            return new TwoFactorEnableResult(TwoFactorEnableStatus.NotSetUp);
        }
        LogEnabled(logger, userId);
        return new TwoFactorEnableResult(TwoFactorEnableStatus.Enabled, new RecoveryCodes(codes));
    }

    /// <summary>
    /// True for a current authenticator code not used before, or an unspent recovery code (which is then spent); false
    /// otherwise, and always false when two-factor is off.
    /// </summary>
    public async Task<bool> VerifyAsync(Guid userId, string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 64
            || await store.FindAsync(userId, cancellationToken) is not { Enabled: true } record
            || protector.Unprotect(record.SealedSecret, userId) is not { } secret)
        {
            return false;
        }
        code = code.Trim();
        if (Totp.IsWellFormed(code))
        {
            return Totp.MatchingStep(secret, code, time.GetUtcNow()) is { } step && await store.SpendStepAsync(userId, step, cancellationToken);
        }
        if (!await store.SpendRecoveryCodeAsync(userId, HashRecoveryCode(userId, code), cancellationToken))
        {
            return false;
        }
        LogRecoveryCodeSpent(logger, userId, record.RecoveryCodesLeft - 1);
        return true;
    }

    /// <summary>
    /// Turns two-factor off with both factors: the password and a code (or a recovery code). Wrong ones count as failed
    /// sign-ins, so a stolen session cannot guess here instead. Admins keep it while it is required of them.
    /// </summary>
    public async Task<TwoFactorDisableResult> DisableAsync(User user, string password, string code, string clientAddress, CancellationToken cancellationToken)
    {
        if (!await store.IsEnabledAsync(user.Id, cancellationToken))
        {
            return new TwoFactorDisableResult(TwoFactorDisableStatus.NotEnabled);
        }
        if (options.Value.RequireTwoFactorForAdmins && user.Role == Roles.Admin)
        {
            return new TwoFactorDisableResult(TwoFactorDisableStatus.RequiredForAdmins);
        }
        if (await throttle.RetryAfterAsync(user.Email, clientAddress) is { } wait)
        {
            return new TwoFactorDisableResult(TwoFactorDisableStatus.Throttled, wait);
        }
        var passwordRight = password.Length <= AccountRules.MaximumPasswordLength && user.PasswordHash.Length > 0
            && passwordHasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
        // The code is checked only after the password, so a wrong password does not spend a recovery code.
        if (!passwordRight || !await VerifyAsync(user.Id, code, cancellationToken))
        {
            await throttle.RecordFailureAsync(user.Email, clientAddress);
            return new TwoFactorDisableResult(TwoFactorDisableStatus.WrongProof);
        }
        await store.DisableAsync(user.Id, cancellationToken);
        LogDisabled(logger, user.Id);
        return new TwoFactorDisableResult(TwoFactorDisableStatus.Disabled);
    }

    /// <summary>80 random bits in an alphabet without look-alikes (no I, O, 0, 1), in groups of four.</summary>
    private static string NewRecoveryCode()
    {
        var chars = RandomNumberGenerator.GetItems<char>(RecoveryAlphabet, RecoveryCodeChars);
        return string.Join('-', chars.Chunk(4).Select(group => new string(group)));
    }

    /// <summary>Salted with the user id, so equal hashes across users reveal nothing; the code's entropy makes SHA-256 enough.</summary>
    internal static byte[] HashRecoveryCode(Guid userId, string code)
    {
        var normalized = new string([.. code.Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant)]);
        return SHA256.HashData([.. userId.ToByteArray(), .. Encoding.UTF8.GetBytes(normalized)]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Two-factor sign-in turned on for user {UserId}")]
    private static partial void LogEnabled(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Two-factor sign-in turned off for user {UserId}")]
    private static partial void LogDisabled(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A recovery code was spent by user {UserId}; {Left} left")]
    private static partial void LogRecoveryCodeSpent(ILogger logger, Guid userId, int left);
}
