using System.Text.Json.Serialization;

namespace ChatPlatform.Chat.Model;

public sealed record CreateConversationRequest(string? Model, string? SystemPrompt, string? Title);

/// <summary>
/// Only the fields present change. <c>folderId: null</c> takes the conversation out of its folder, so its presence is
/// tracked apart from its value; <c>tags</c> replaces the set.
/// </summary>
public sealed class UpdateConversationRequest
{
    private readonly Guid? _folderId;
    private readonly bool _folderIdGiven;
    private readonly double? _temperature;
    private readonly bool _temperatureGiven;
    private readonly int? _maxOutputTokens;
    private readonly bool _maxOutputTokensGiven;

    public string? Title { get; init; }

    public string? SystemPrompt { get; init; }

    public string? Model { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public bool? Starred { get; init; }

    public bool? Archived { get; init; }

    public Guid? FolderId
    {
        get => _folderId;
        init
        {
            _folderId = value;
            _folderIdGiven = true;
        }
    }

    [JsonIgnore]
    public bool FolderIdGiven => _folderIdGiven;

    /// <summary>The sampling temperature of every turn; <c>null</c> goes back to the model's default.</summary>
    public double? Temperature
    {
        get => _temperature;
        init
        {
            _temperature = value;
            _temperatureGiven = true;
        }
    }

    [JsonIgnore]
    public bool TemperatureGiven => _temperatureGiven;

    /// <summary>The longest answer of every turn; <c>null</c> goes back to the model's limit.</summary>
    public int? MaxOutputTokens
    {
        get => _maxOutputTokens;
        init
        {
            _maxOutputTokens = value;
            _maxOutputTokensGiven = true;
        }
    }

    [JsonIgnore]
    public bool MaxOutputTokensGiven => _maxOutputTokensGiven;

    /// <summary>Whether a parameter is set (not cleared): it is checked against the model's limits in the catalog.</summary>
    [JsonIgnore]
    public bool SetsParameters => Temperature is not null || MaxOutputTokens is not null;

    /// <summary>Whether anything beyond title, system prompt and model changes: those are written with their event.</summary>
    [JsonIgnore]
    public bool Organises => FolderIdGiven || Tags is not null || Starred is not null || Archived is not null;
}

/// <summary>
/// <c>parentId</c> absent: the message continues the current leaf. <c>parentId: null</c>: a new root (editing the first
/// message). So presence is tracked apart from the value.
/// </summary>
public sealed class AppendMessageRequest
{
    private readonly Guid? _parentId;
    private readonly bool _parentIdGiven;

    public string? Content { get; init; }

    /// <summary>
    /// The files the message attaches (<c>POST .../turns</c> only). Absent on an edit: the edited message's files are kept;
    /// <c>[]</c> attaches none.
    /// </summary>
    public IReadOnlyList<Guid>? FileIds { get; init; }

    public Guid? ParentId
    {
        get => _parentId;
        init
        {
            _parentId = value;
            _parentIdGiven = true;
        }
    }

    [JsonIgnore]
    public bool ParentIdGiven => _parentIdGiven;
}

public sealed record SelectLeafRequest(Guid? MessageId);
