namespace ChatPlatform.Bench;

/// <summary>The repository the benchmark was built in, whichever folder it is run from.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Path.Exists(Path.Combine(directory.FullName, ".git")) || directory.EnumerateFiles("*.sln*").Any())
            {
                return directory.FullName;
            }
        }
        return Environment.CurrentDirectory;
    }
}
