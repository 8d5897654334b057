namespace ChatPlatform.Chat.Services.Import;

/// <summary>Why an import file cannot be imported; <see cref="Field"/> says where in it (a JSON path or a zip entry).</summary>
public sealed class ImportRefusedException(string field, string detail) : Exception(detail)
{
    public string Field { get; } = field;
}
