using System.Globalization;
using System.Text.Json;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// Which quota refused a request and when it resets, read from a 429's problem details (<c>quota</c>, <c>model</c>,
/// <c>resetsAt</c>). <see cref="ResetsAt"/> is null when the gateway gave none or an unreadable one.
/// </summary>
public sealed record QuotaRefusal(string Name, string? Model, DateTimeOffset? ResetsAt)
{
    /// <summary>A quota refusal when the problem says so (its type, or a <c>quota</c> member); null for a plain rate limit.</summary>
    internal static QuotaRefusal? From(JsonElement problem)
    {
        var name = GatewayException.ReadString(problem, "quota");
        var type = GatewayException.ReadString(problem, "type");
        if (name is null && !string.Equals(type, GatewayException.QuotaExceededType, StringComparison.Ordinal))
        {
            return null;
        }
        DateTimeOffset? resetsAt = DateTimeOffset.TryParse(GatewayException.ReadString(problem, "resetsAt"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new QuotaRefusal(name ?? "quota", GatewayException.ReadString(problem, "model"), resetsAt);
    }
}
