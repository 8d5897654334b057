namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// <c>Auth:WebClientKey</c>: the secret shared with the gateway only, with which the web app vouches for the address
/// of the user it signs in (the gateway throttles failed sign-ins per address, and sees only the web server's).
/// Unset, the gateway counts every web sign-in against the web server's address. A secret: never logged.
/// </summary>
public sealed class WebClientOptions
{
    public const string SectionName = "Auth";

    public string? WebClientKey { get; set; }
}
