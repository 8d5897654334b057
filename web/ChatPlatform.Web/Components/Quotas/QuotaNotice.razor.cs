using ChatPlatform.Web.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Quotas;

public sealed partial class QuotaNotice
{
    private readonly string _titleId = $"quota-notice-{Guid.NewGuid():N}";

    [Parameter, EditorRequired] public QuotaRefusal Refusal { get; set; } = default!;

    /// <summary>The gateway's sentence (its problem's detail).</summary>
    [Parameter, EditorRequired] public string Message { get; set; } = "";

    /// <summary>The refusal's Retry-After, for when the problem named no reset time.</summary>
    [Parameter] public TimeSpan? RetryAfter { get; set; }

    [Parameter, EditorRequired] public DateTimeOffset Now { get; set; }

    [Parameter] public TimeSpan UtcOffset { get; set; }

    private DateTimeOffset? ResetsAt => Refusal.ResetsAt ?? (RetryAfter is { } wait ? Now + wait : null);

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
