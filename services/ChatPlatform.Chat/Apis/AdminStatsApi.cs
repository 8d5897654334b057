using System.Globalization;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// <c>GET /v1/admin/chat/stats?window=</c> (admins only; the gateway routes <c>/v1/admin/chat/**</c> here): the answers
/// finished in the last <c>window</c> minutes (1 to 1,440, default 60) across every instance, their time to first
/// token and error rate, per minute for charts, and the answers streaming now.
/// </summary>
public static class AdminStatsApi
{
    public const int DefaultWindowMinutes = 60;
    public const int MaxWindowMinutes = 24 * 60;

    public static IEndpointRouteBuilder MapAdminStatsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/chat/stats", GetStatsAsync).RequireAuthorization(InternalIdentityExtensions.AdminPolicy);
        return app;
    }

    public static async Task<Results<Ok<ChatStatsResponse>, ValidationProblem>> GetStatsAsync(
        string? window, ChatStatsStore store, TurnRegistry registry, TimeProvider time, CancellationToken cancellationToken)
    {
        var minutes = DefaultWindowMinutes;
        if (window is not null
            && (!int.TryParse(window, NumberStyles.None, CultureInfo.InvariantCulture, out minutes) || minutes is < 1 or > MaxWindowMinutes))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["window"] = [$"Must be a whole number of minutes from 1 to {MaxWindowMinutes}."],
            });
        }
        var to = time.GetUtcNow();
        var from = to.AddMinutes(-minutes);
        var stats = await store.ReadAsync(from, to, cancellationToken);
        var totals = stats.Totals;
        return TypedResults.Ok(new ChatStatsResponse(
            minutes, from, to, totals.Answers, Math.Round(totals.Answers / (double)minutes, 2), totals.Errors,
            totals.Answers == 0 ? 0 : Math.Round(totals.Errors / (double)totals.Answers, 4),
            Round(totals.TimeToFirstTokenP50Ms), Round(totals.TimeToFirstTokenP95Ms),
            totals.Streaming, registry.Count, stats.Minutes));
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 1) : null;
}

/// <param name="ActiveStreams">Answers streaming now on every instance.</param>
/// <param name="ActiveStreamsHere">Of those, the ones the answering instance generates.</param>
public sealed record ChatStatsResponse(
    int WindowMinutes,
    DateTimeOffset From,
    DateTimeOffset To,
    long Answers,
    double TurnsPerMinute,
    long Errors,
    double ErrorRate,
    double? TimeToFirstTokenP50Ms,
    double? TimeToFirstTokenP95Ms,
    long ActiveStreams,
    int ActiveStreamsHere,
    IReadOnlyList<ChatStatsMinute> PerMinute);
