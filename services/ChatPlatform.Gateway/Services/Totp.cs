using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC of the 30-second step count, dynamically
/// truncated to <see cref="Digits"/> decimal digits. Authenticator apps use HMAC-SHA1, 30 s and 6 digits.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>Steps either side of now that are accepted too: clocks drift and people type slowly.</summary>
    public const int Window = 1;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / (long)Step.TotalSeconds;

    /// <summary>The code for <paramref name="step"/>: HOTP(K, T) with T the step count, zero-padded to the digits.</summary>
    public static string Code(ReadOnlySpan<byte> secret, long step, int digits = Digits, HashAlgorithmName? algorithm = null)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[64];
        var length = Hmac(algorithm ?? HashAlgorithmName.SHA1, secret, counter, mac);
        var offset = mac[length - 1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(mac[offset..]) & 0x7fffffff;
        var modulus = (int)Math.Pow(10, digits);
        return (binary % modulus).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>
    /// The step within <see cref="Window"/> of <paramref name="now"/> whose code is <paramref name="code"/>, or null.
    /// Every candidate is compared in constant time, so timing does not tell which step was close.
    /// </summary>
    public static long? MatchingStep(ReadOnlySpan<byte> secret, string code, DateTimeOffset now)
    {
        if (!IsWellFormed(code))
        {
            return null;
        }
        var current = StepAt(now);
        long? match = null;
        for (var step = current - Window; step <= current + Window; step++)
        {
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Code(secret, step)), System.Text.Encoding.ASCII.GetBytes(code)))
            {
                match = step;
            }
        }
        return match;
    }

    public static bool IsWellFormed(string? code) => code is { Length: Digits } && code.All(char.IsAsciiDigit);

    private static int Hmac(HashAlgorithmName algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        algorithm.Name switch
        {
            "SHA1" => HMACSHA1.HashData(key, data, destination),
            "SHA256" => HMACSHA256.HashData(key, data, destination),
            "SHA512" => HMACSHA512.HashData(key, data, destination),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm.Name, "TOTP uses SHA1, SHA256 or SHA512."),
        };
}
