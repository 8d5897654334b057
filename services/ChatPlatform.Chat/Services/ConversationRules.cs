using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>Limits on what a client may send, checked before anything is written.</summary>
public static class ConversationRules
{
    public const int MaxContentLength = 100_000;
    public const int MaxSystemPromptLength = 100_000;
    public const int MaxTitleLength = 200;
    public const int MaxModelLength = 100;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    public const int MaxFilesPerMessage = 10;

    public static Dictionary<string, string[]> Validate(CreateConversationRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Model))
        {
            errors["model"] = ["The model is required."];
        }
        else
        {
            CheckModel(request.Model, errors);
        }
        CheckTitle(request.Title, errors);
        CheckSystemPrompt(request.SystemPrompt, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateConversationRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request is { Title: null, SystemPrompt: null, Model: null, Organises: false, TemperatureGiven: false, MaxOutputTokensGiven: false })
        {
            errors[""] = ["Nothing to change: send title, systemPrompt, model, folderId, tags, starred, archived, temperature or maxOutputTokens."];
        }
        if (request.Model is not null)
        {
            CheckModel(request.Model, errors);
        }
        CheckTitle(request.Title, errors);
        CheckSystemPrompt(request.SystemPrompt, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(AppendMessageRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Content))
        {
            errors["content"] = ["The content is required."];
        }
        else if (request.Content.Length > MaxContentLength)
        {
            errors["content"] = [$"The content is longer than {MaxContentLength} characters."];
        }
        if (request.FileIds is { } fileIds)
        {
            if (fileIds.Count > MaxFilesPerMessage)
            {
                errors["fileIds"] = [$"A message attaches at most {MaxFilesPerMessage} files."];
            }
            else if (fileIds.Distinct().Count() != fileIds.Count)
            {
                errors["fileIds"] = ["A file is attached once: the file ids repeat."];
            }
            else if (fileIds.Contains(Guid.Empty))
            {
                errors["fileIds"] = ["A file id is the id of an uploaded file, not the empty UUID."];
            }
        }
        return errors;
    }

    /// <summary><c>POST .../messages</c> writes a message without an answer: files are attached to a turn, which sends them.</summary>
    public static Dictionary<string, string[]> ValidateWithoutFiles(AppendMessageRequest request)
    {
        var errors = Validate(request);
        if (request.FileIds is { Count: > 0 })
        {
            errors["fileIds"] = ["Files are attached with POST /v1/conversations/{id}/turns."];
        }
        return errors;
    }

    public static Dictionary<string, string[]> ValidatePage(int? limit, string? cursor, out ConversationCursor? decoded)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        decoded = null;
        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"The limit is from 1 to {MaxPageSize}."];
        }
        if (cursor is not null && !ConversationCursor.TryDecode(cursor, out decoded))
        {
            errors["cursor"] = ["The cursor is not one this service returned."];
        }
        return errors;
    }

    private static void CheckModel(string model, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(model) || model.Length > MaxModelLength || model.Any(char.IsWhiteSpace))
        {
            errors["model"] = [$"The model is a name of 1 to {MaxModelLength} characters without spaces."];
        }
    }

    private static void CheckTitle(string? title, Dictionary<string, string[]> errors)
    {
        if (title is not null && title.Length > MaxTitleLength)
        {
            errors["title"] = [$"The title is longer than {MaxTitleLength} characters."];
        }
    }

    private static void CheckSystemPrompt(string? systemPrompt, Dictionary<string, string[]> errors)
    {
        if (systemPrompt is not null && systemPrompt.Length > MaxSystemPromptLength)
        {
            errors["systemPrompt"] = [$"The system prompt is longer than {MaxSystemPromptLength} characters."];
        }
    }
}
