using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Turns a validated token from the external issuer into the gateway's own principal: the local user it maps to (created
/// on first sight), with that user's id, role and tier, so everything after authentication sees one kind of caller.
/// </summary>
public static partial class ExternalSignIn
{
    public static async Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        var external = context.Principal!;
        var issuer = external.FindFirstValue("iss");
        var subject = external.FindFirstValue("sub");
        var email = external.FindFirstValue("email") ?? external.FindFirstValue("preferred_username");
        if (issuer is null || subject is null || email is null || !email.Contains('@', StringComparison.Ordinal) || email.Length > 254)
        {
            context.Fail("The token carries no subject or no email address.");
            return;
        }
        var services = context.HttpContext.RequestServices;
        var settings = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var verified = bool.TryParse(external.FindFirstValue("email_verified"), out var value) && value;
        var user = await services.GetRequiredService<ExternalLoginStore>().FindOrCreateUserAsync(
            issuer, subject, email.Trim().ToLowerInvariant(), verified, settings.AdminEmail, context.HttpContext.RequestAborted);
        if (user is null)
        {
            LogNotLinked(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExternalSignIn)), issuer);
            context.Fail("An account with this email exists and the issuer does not vouch for the address.");
            return;
        }
        if (user.IsDisabled)
        {
            context.Fail("The account is disabled.");
            return;
        }
        List<Claim> claims =
        [
            new Claim(GatewayClaims.Subject, user.Id.ToString()),
            new Claim(GatewayClaims.Email, user.Email),
            new Claim(GatewayClaims.Role, user.Role),
            new Claim(GatewayClaims.Tier, user.Tier),
        ];
        // When the user last proved who they are at the issuer (its token's issue time when it does not say): deleting
        // an account without a password asks for a recent one.
        if ((external.FindFirstValue(AccountDeletion.AuthTimeClaim) ?? external.FindFirstValue("iat")) is { } authTime)
        {
            claims.Add(new Claim(AccountDeletion.AuthTimeClaim, authTime));
        }
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ExternalIssuerOptions.SchemeName, GatewayClaims.Subject, GatewayClaims.Role));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A token from {Issuer} names an email that belongs to a local account without email_verified; refused")]
    private static partial void LogNotLinked(ILogger logger, string issuer);
}
