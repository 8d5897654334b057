using System.Net;
using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The address a sign-in is throttled by. Web sign-ins all come from the web server, so the web app passes its
/// user's address in <see cref="AddressHeader"/>, vouched for by <see cref="KeyHeader"/>: the <c>Auth:WebClientKey</c>
/// secret only the web app and the gateway hold. Without that key (or with a wrong one) the header is ignored and the
/// connection's address counts, so a client cannot pick the address it is counted against.
/// </summary>
public static class ClientAddress
{
    public const string AddressHeader = "X-Web-Client-Address";
    public const string KeyHeader = "X-Web-Client-Key";

    /// <summary>The browser's User-Agent, passed on by the web app beside the address (and vouched for by the same key).</summary>
    public const string UserAgentHeader = "X-Web-Client-User-Agent";

    /// <summary>Longer User-Agents are cut: the sessions page needs a recognisable device, not every token.</summary>
    public const int MaxUserAgentLength = 512;

    public static string Of(HttpContext context, AuthOptions options)
    {
        var connection = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return FromWebApp(context, options) && IPAddress.TryParse(context.Request.Headers[AddressHeader].ToString(), out var address)
            ? address.ToString()
            : connection;
    }

    /// <summary>Where a session is signed in from: the address above and the (web app's browser's) User-Agent.</summary>
    public static SessionDevice DeviceOf(HttpContext context, AuthOptions options)
    {
        var headers = context.Request.Headers;
        var userAgent = FromWebApp(context, options) && headers[UserAgentHeader].ToString() is { Length: > 0 } browser
            ? browser
            : headers.UserAgent.ToString();
        return new SessionDevice(userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent, Of(context, options));
    }

    private static bool FromWebApp(HttpContext context, AuthOptions options) =>
        options.WebClientKey is { Length: > 0 } key
        && context.Request.Headers[KeyHeader].ToString() is { Length: > 0 } presented && SameSecret(presented, key);

    // Hashed first, so the comparison takes the same time whatever the lengths.
    private static bool SameSecret(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
