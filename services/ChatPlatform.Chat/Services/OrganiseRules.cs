using System.Globalization;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>Limits on folders, tags, bulk actions and list filters, checked before anything is written.</summary>
public static class OrganiseRules
{
    public const int MaxFolderNameLength = 100;
    public const int MaxFoldersPerUser = 500;
    public const int MaxTagLength = 40;
    public const int MaxTagsPerConversation = 20;
    public const int MaxBulkIds = 200;

    /// <summary>The trimmed name, or null with the reason in <paramref name="errors"/>.</summary>
    public static string? FolderName(FolderRequest request, Dictionary<string, string[]> errors)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxFolderNameLength)
        {
            errors["name"] = [$"The name is 1 to {MaxFolderNameLength} characters, spaces around it aside."];
            return null;
        }
        if (name.Any(char.IsControl))
        {
            errors["name"] = ["The name contains a control character."];
            return null;
        }
        return name;
    }

    /// <summary>
    /// The tags as a sorted set: each trimmed and lower-cased, 1 to <see cref="MaxTagLength"/> characters without control
    /// characters; null with the reason in <paramref name="errors"/>. The count is checked by the caller (a set, or what a
    /// bulk action adds to each conversation's).
    /// </summary>
    public static string[]? Tags(IReadOnlyList<string>? tags, Dictionary<string, string[]> errors)
    {
        if (tags is null)
        {
            return null;
        }
        var normalised = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var t = tag?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(t) || t.Length > MaxTagLength || t.Any(char.IsControl))
            {
                errors["tags"] = [$"A tag is 1 to {MaxTagLength} characters without control characters, spaces around it aside."];
                return null;
            }
            normalised.Add(t);
        }
        return [.. normalised];
    }

    public static Dictionary<string, string[]> Validate(UpdateConversationRequest request, out string[]? tags)
    {
        var errors = ConversationRules.Validate(request);
        tags = Tags(request.Tags, errors);
        if (tags is { Length: > MaxTagsPerConversation })
        {
            errors["tags"] = [$"A conversation has at most {MaxTagsPerConversation} tags."];
        }
        if (request.FolderId == Guid.Empty)
        {
            errors["folderId"] = ["The folder id is the id of one of your folders, or null for none."];
        }
        return errors;
    }

    public static Dictionary<string, string[]> Validate(BulkRequest request, out BulkAction action, out string[]? tags)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        action = default;
        tags = null;
        if (request.Ids is not { Count: > 0 } ids || ids.Count > MaxBulkIds)
        {
            errors["ids"] = [$"Name 1 to {MaxBulkIds} conversation ids."];
        }
        // Enum.TryParse would take numbers ("3") and flags ("move,tag"): only the documented names.
        if (request.Action is not { } name || name.Any(c => !char.IsAsciiLetterLower(c)) || !Enum.TryParse(name, ignoreCase: true, out action))
        {
            errors["action"] = ["The action is one of move, tag, untag, archive, unarchive, star, unstar, delete."];
            return errors;
        }
        if (action is BulkAction.Tag or BulkAction.Untag)
        {
            tags = Tags(request.Tags, errors);
            if (tags is null or { Length: 0 } && !errors.ContainsKey("tags"))
            {
                errors["tags"] = ["Name the tags to add or remove."];
            }
            else if (tags is { Length: > MaxTagsPerConversation })
            {
                errors["tags"] = [$"A conversation has at most {MaxTagsPerConversation} tags."];
            }
        }
        else if (request.Tags is not null)
        {
            errors["tags"] = ["Only tag and untag take tags."];
        }
        if (request.FolderId is not null && action != BulkAction.Move)
        {
            errors["folderId"] = ["Only move takes a folder id."];
        }
        else if (request.FolderId == Guid.Empty)
        {
            errors["folderId"] = ["The folder id is the id of one of your folders, or null for none."];
        }
        return errors;
    }

    /// <summary>The list's query parameters, each refused with its reason rather than ignored.</summary>
    public static Dictionary<string, string[]> ParseFilter(
        string? folder, string? tag, string? model, string? from, string? to, string? starred, string? archived, out ConversationFilter filter)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        filter = ConversationFilter.None;
        if (folder is not null)
        {
            if (folder == "none")
            {
                filter = filter with { NoFolder = true };
            }
            else if (Guid.TryParseExact(folder, "D", out var folderId) && folderId != Guid.Empty)
            {
                filter = filter with { Folder = folderId };
            }
            else
            {
                errors["folder"] = ["The folder is a folder id or none."];
            }
        }
        if (tag is not null)
        {
            var tagErrors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var normalised = Tags([tag], tagErrors);
            if (tagErrors.TryGetValue("tags", out var reason))
            {
                errors["tag"] = reason;
            }
            filter = filter with { Tag = normalised?[0] };
        }
        if (model is not null)
        {
            if (string.IsNullOrWhiteSpace(model) || model.Length > ConversationRules.MaxModelLength)
            {
                errors["model"] = [$"The model is a name of 1 to {ConversationRules.MaxModelLength} characters."];
            }
            filter = filter with { Model = model };
        }
        if (from is not null)
        {
            if (ParseInstant(from, endOfDay: false) is { } instant)
            {
                filter = filter with { From = instant };
            }
            else
            {
                errors["from"] = ["From is a date (2026-01-31) or a date and time with its offset (2026-01-31T08:00:00Z)."];
            }
        }
        if (to is not null)
        {
            if (ParseInstant(to, endOfDay: true) is { } instant)
            {
                filter = filter with { To = instant };
            }
            else
            {
                errors["to"] = ["To is a date (2026-01-31) or a date and time with its offset (2026-01-31T08:00:00Z)."];
            }
        }
        if (filter is { From: { } f, To: { } t } && f >= t)
        {
            errors["to"] = ["To is after from."];
        }
        if (starred is not null)
        {
            if (ParseBool(starred) is { } value)
            {
                filter = filter with { Starred = value };
            }
            else
            {
                errors["starred"] = ["Starred is true or false."];
            }
        }
        if (archived is not null)
        {
            if (ParseBool(archived) is { } value)
            {
                filter = filter with { Archived = value };
            }
            else
            {
                errors["archived"] = ["Archived is true or false."];
            }
        }
        return errors;
    }

    private static bool? ParseBool(string text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };

    /// <summary>A plain date is a whole UTC day: from its start, or, as the end of a range, up to the next day's start.</summary>
    private static DateTimeOffset? ParseInstant(string text, bool endOfDay)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var day = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? (date == DateOnly.MaxValue ? null : day.AddDays(1)) : day;
        }
        // An offset is required: a local time would mean the server's zone.
        return text.Length > 10 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            ? instant
            : null;
    }
}
