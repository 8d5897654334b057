using System.Globalization;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

public static class FileSizes
{
    private static readonly string[] Units = ["KB", "MB", "GB", "TB"];

    /// <summary>A size as a person reads it: 512 B, 1.5 KB, 20 MB (binary units, as file managers show them).</summary>
    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return $"{bytes.ToString(CultureInfo.InvariantCulture)} B";
        }
        double size = bytes;
        var unit = -1;
        while (size >= 1024 && unit < Units.Length - 1)
        {
            size /= 1024;
            unit++;
        }
        return (size < 10 ? size.ToString("0.#", CultureInfo.InvariantCulture) : size.ToString("0", CultureInfo.InvariantCulture)) + " " + Units[unit];
    }
}

public static class FileIcons
{
    /// <summary>The <see cref="Icon"/> of a file's kind; a file whose kind is not known yet shows a plain file.</summary>
    public static string For(FileKind? kind) => kind switch
    {
        FileKind.Image => "image",
        FileKind.Document => "document",
        _ => "file",
    };

    public static string LabelFor(FileKind kind) => kind switch
    {
        FileKind.Image => "Image",
        FileKind.Document => "Document",
        _ => "Text",
    };
}
