namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>The repository the host was built in: the default home of <c>.data/</c>, whichever folder it is run from.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Path.Exists(Path.Combine(directory.FullName, ".git")) || directory.EnumerateFiles("*.sln").Any())
            {
                return directory.FullName;
            }
        }
        return Environment.CurrentDirectory;
    }
}
