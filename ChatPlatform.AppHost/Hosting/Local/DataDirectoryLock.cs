using System.Globalization;

namespace ChatPlatform.AppHost.Hosting.Local;

/// <summary>
/// One host per data folder: an exclusive lock on <c>&lt;data&gt;/apphost.lock</c> (flock, released by the kernel
/// even when the host is killed), so a second host neither shares the servers' data nor stops the first one's children.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "apphost.lock";
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            // FileShare.None is an exclusive flock on Linux.
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            file.Write(System.Text.Encoding.ASCII.GetBytes(pid));
            file.Flush();
            return new DataDirectoryLock(file);
        }
        catch (IOException)
        {
            var holder = TryReadHolder(path);
            throw new DistributedApplicationException(
                $"Another AppHost{(holder is null ? "" : $" (pid {holder})")} is using the data folder {dataDirectory}: stop it, or set AppHost:DataDirectory to another folder.");
        }
    }

    private static string? TryReadHolder(string path)
    {
        try
        {
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(reader).ReadToEnd().Trim() is { Length: > 0 } text ? text : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
