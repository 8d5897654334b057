namespace ChatPlatform.Ingestion.Files;

public enum FileKind
{
    Document,
    Text,
    Image,
}

public static class FileKinds
{
    public static string Name(FileKind kind) => kind switch
    {
        FileKind.Document => "document",
        FileKind.Image => "image",
        _ => "text",
    };
}
