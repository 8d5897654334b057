using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Quotas;

/// <summary>The 429 a refused request answers (docs/usage.md "Quotas"), with <c>Retry-After</c>.</summary>
public static class QuotaProblems
{
    public const string Type = "https://chatplatform.dev/problems/quota-exceeded";

    public static ProblemHttpResult Exceeded(HttpResponse response, QuotaRefusal refusal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = refusal.RetryAfterSeconds(now).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Quota exceeded",
            type: Type,
            detail: refusal.Detail(now),
            extensions: new Dictionary<string, object?>
            {
                ["quota"] = refusal.Quota,
                ["model"] = refusal.Model,
                ["resetsAt"] = refusal.ResetsAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            });
    }
}
