namespace ChatPlatform.Testing;

public static class TestDirectories
{
    /// <summary>A fresh folder for one fixture's data; world-traversable so a server run as another user can reach it.</summary>
    public static string Create(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "chatplatform-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
