using System.Globalization;

namespace ChatPlatform.Chat.Services;

/// <summary>What <c>GET /v1/search</c> asks for, checked: the words, the list's filters, and the page.</summary>
public sealed record SearchRequest(string Query, ConversationFilter Filter, int Limit, SearchCursor? After);

public static class SearchRules
{
    public const int MaxQueryLength = 500;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 50;

    /// <summary>
    /// The request, or the problems naming each bad parameter. <c>archived</c>: <c>false</c> (the default) leaves archived
    /// conversations out, <c>true</c> searches them too. The other filters read as the list's (docs/conversations.md),
    /// <c>from</c>/<c>to</c> on when the message was written.
    /// </summary>
    public static Dictionary<string, string[]> Parse(
        string? q, string? limit, string? cursor, string? folder, string? tag, string? model, string? from, string? to, string? archived,
        out SearchRequest? request)
    {
        request = null;
        var errors = OrganiseRules.ParseFilter(folder, tag, model, from, to, starred: null, archived, out var filter);
        if (errors.Remove("archived"))
        {
            errors["archived"] = ["Archived is true (archived conversations searched too) or false."];
        }
        var query = q?.Trim() ?? "";
        if (query.Length == 0)
        {
            errors["q"] = ["The query is 1 to 500 characters of words to find."];
        }
        else if (query.Length > MaxQueryLength || query.Any(char.IsControl) || !IsWellFormed(query))
        {
            errors["q"] = [$"The query is 1 to {MaxQueryLength} characters of text, without control characters."];
        }
        var size = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxPageSize))
        {
            errors["limit"] = [$"The limit is from 1 to {MaxPageSize}."];
        }
        SearchCursor? after = null;
        if (cursor is not null && !SearchCursor.TryDecode(cursor, out after))
        {
            errors["cursor"] = ["The cursor is not one this service returned."];
        }
        if (errors.Count == 0)
        {
            request = new SearchRequest(query, filter, size, after);
        }
        return errors;
    }

    /// <summary>False for a lone surrogate: text the database cannot store, which would fail as a 500 rather than a 400.</summary>
    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }
}
