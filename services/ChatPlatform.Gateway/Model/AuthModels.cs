namespace ChatPlatform.Gateway.Model;

public sealed record RegisterRequest(string? Email, string? Password);

public sealed record SignInRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>Issued on register, sign-in and refresh; the only place tokens are ever returned.</summary>
public sealed record AuthTokens(string AccessToken, string RefreshToken, int ExpiresIn, UserInfo User);
