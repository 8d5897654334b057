namespace ChatPlatform.Gateway.Model;

/// <summary>A user's stored enrolment: the encrypted secret, whether it is confirmed, and how many recovery codes are left.</summary>
public sealed record TwoFactorRecord(byte[] SealedSecret, bool Enabled, int RecoveryCodesLeft);

/// <summary>The new key, shown once: as base32 to type in and as the otpauth:// URI a QR code carries.</summary>
public sealed record TwoFactorSetup(string Secret, string Uri);

public sealed record TwoFactorStatus(bool Enabled, int RecoveryCodesLeft);

public sealed record TwoFactorCodeRequest(string? Code);

public sealed record DisableTwoFactorRequest(string? Password, string? Code);

/// <summary>Shown once, when two-factor sign-in is turned on; each works once in place of a code.</summary>
public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

/// <summary>A correct password of an account with two-factor sign-in: the challenge to send back with a code.</summary>
public sealed record TwoFactorChallenge(string Challenge, int ExpiresIn, bool TwoFactorRequired = true);

public sealed record TwoFactorSignInRequest(string? Challenge, string? Code);
