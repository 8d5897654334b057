using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>About four characters a token: for choosing by cost, and for usage when a provider reports none.</summary>
public static class TokenEstimator
{
    public static long FromCharacters(long characters) => (characters + 3) / 4;

    public static long Estimate(IEnumerable<ChatMessage> messages) =>
        FromCharacters(messages.Sum(m => (long)m.Contents.OfType<TextContent>().Sum(t => t.Text.Length)));
}
