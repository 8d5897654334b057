using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Services;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Tests.Services;

public sealed class TotpTests
{
    // RFC 6238, Appendix B: the seeds are ASCII "1234567890" repeated to the hash's key length; 8 digits, 30 s steps.
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void Codes_match_the_published_RFC_6238_test_vectors(long unixSeconds, string sha1, string sha256, string sha512)
    {
        var step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

        Assert.Equal(sha1, Totp.Code(Sha1Seed, step, 8));
        Assert.Equal(sha256, Totp.Code(Sha256Seed, step, 8, HashAlgorithmName.SHA256));
        Assert.Equal(sha512, Totp.Code(Sha512Seed, step, 8, HashAlgorithmName.SHA512));
        // Authenticator apps show 6 digits: the same number modulo 10^6.
        Assert.Equal(sha1[2..], Totp.Code(Sha1Seed, step));
    }

    [Fact]
    public void A_code_is_accepted_one_step_either_side_of_now_and_no_further()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1234567890);
        var step = Totp.StepAt(now);

        Assert.Equal(step, Totp.MatchingStep(Sha1Seed, Totp.Code(Sha1Seed, step), now));
        Assert.Equal(step - 1, Totp.MatchingStep(Sha1Seed, Totp.Code(Sha1Seed, step - 1), now));
        Assert.Equal(step + 1, Totp.MatchingStep(Sha1Seed, Totp.Code(Sha1Seed, step + 1), now));
        Assert.Null(Totp.MatchingStep(Sha1Seed, Totp.Code(Sha1Seed, step - 2), now));
        Assert.Null(Totp.MatchingStep(Sha1Seed, Totp.Code(Sha1Seed, step + 2), now));
        Assert.Null(Totp.MatchingStep(Sha1Seed, "12345", now));
        Assert.Null(Totp.MatchingStep(Sha1Seed, "12345a", now));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void Base32_matches_RFC_4648_without_padding_and_decodes_back(string text, string encoded)
    {
        Assert.Equal(encoded, Base32.Encode(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(text, Encoding.ASCII.GetString(Base32.Decode(encoded.ToLowerInvariant() + "======")!));
        Assert.Null(Base32.Decode("MZ1W"));
    }

    [Fact]
    public void A_160_bit_secret_round_trips_through_base32()
    {
        var secret = RandomNumberGenerator.GetBytes(20);

        var encoded = Base32.Encode(secret);

        Assert.Equal(32, encoded.Length);
        Assert.Equal(secret, Base32.Decode(encoded));
    }

    [Fact]
    public void Sealed_secrets_open_only_for_their_user_and_key()
    {
        var options = Options.Create(new AuthOptions { SigningKey = Convert.ToBase64String(GatewayHost.SigningKey) });
        var protector = new TwoFactorSecretProtector(options);
        var other = new TwoFactorSecretProtector(Options.Create(new AuthOptions
        {
            SigningKey = Convert.ToBase64String(GatewayHost.SigningKey),
            TwoFactorKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }));
        var secret = RandomNumberGenerator.GetBytes(20);
        var user = Guid.NewGuid();

        var sealedSecret = protector.Protect(secret, user);

        Assert.Equal(secret, protector.Unprotect(sealedSecret, user));
        Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(sealedSecret), StringComparison.Ordinal);
        Assert.Null(protector.Unprotect(sealedSecret, Guid.NewGuid()));
        Assert.Null(other.Unprotect(sealedSecret, user));
    }
}
