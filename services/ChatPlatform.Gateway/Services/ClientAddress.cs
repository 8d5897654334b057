using System.Net;
using System.Security.Cryptography;
using System.Text;

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

    public static string Of(HttpContext context, AuthOptions options)
    {
        var connection = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var headers = context.Request.Headers;
        return options.WebClientKey is { Length: > 0 } key
            && headers[KeyHeader].ToString() is { Length: > 0 } presented && SameSecret(presented, key)
            && IPAddress.TryParse(headers[AddressHeader].ToString(), out var address)
            ? address.ToString()
            : connection;
    }

    // Hashed first, so the comparison takes the same time whatever the lengths.
    private static bool SameSecret(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
