namespace ChatPlatform.Gateway.Model;

/// <summary><c>DELETE /v1/me</c>'s body: the current password (absent for an account that signs in through its issuer).</summary>
public sealed record DeleteAccountRequest(string? Password);

/// <summary>The <c>account.deleted</c> event (key: the user id): every service deletes what it holds of the user.</summary>
public sealed record AccountDeleted(Guid UserId);
