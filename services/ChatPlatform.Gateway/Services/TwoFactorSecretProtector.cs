using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Encrypts TOTP secrets at rest with AES-256-GCM, the user id as associated data (a row copied to another user does not
/// decrypt). The key is <c>Auth:TwoFactorKey</c>, or, unset, one derived from <c>Auth:SigningKey</c> with HKDF, so every
/// gateway instance holds the same key without another secret to deploy.
/// </summary>
public sealed class TwoFactorSecretProtector(IOptions<AuthOptions> options)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] DerivationInfo = "chatplatform two-factor secrets v1"u8.ToArray();

    private readonly Lazy<byte[]> _key = new(() => KeyFrom(options.Value));

    public byte[] Protect(byte[] secret, Guid userId)
    {
        var sealedSecret = new byte[NonceBytes + TagBytes + secret.Length];
        var nonce = sealedSecret.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key.Value, TagBytes);
        aes.Encrypt(nonce, secret, sealedSecret.AsSpan(NonceBytes + TagBytes), sealedSecret.AsSpan(NonceBytes, TagBytes), userId.ToByteArray());
        return sealedSecret;
    }

    /// <summary>The secret, or null when it does not decrypt (another key, another user's row, tampering).</summary>
    public byte[]? Unprotect(byte[] sealedSecret, Guid userId)
    {
        if (sealedSecret.Length < NonceBytes + TagBytes)
        {
            return null;
        }
        var secret = new byte[sealedSecret.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key.Value, TagBytes);
        try
        {
            aes.Decrypt(sealedSecret.AsSpan(0, NonceBytes), sealedSecret.AsSpan(NonceBytes + TagBytes), sealedSecret.AsSpan(NonceBytes, TagBytes), secret, userId.ToByteArray());
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] KeyFrom(AuthOptions options) =>
        options.TwoFactorKey is { Length: > 0 } configured
            ? HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(configured.Trim()), 32, info: DerivationInfo)
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(options.SigningKey!.Trim()), 32, info: DerivationInfo);
}
