using System.Reflection;

namespace ChatPlatform.Postgres;

/// <summary>Reads the <c>Migrations/NNNN_description.sql</c> files a service embeds (<c>&lt;EmbeddedResource Include="Migrations/*.sql" /&gt;</c>).</summary>
public static class EmbeddedMigrations
{
    /// <summary>The assembly's migrations ordered by number; a badly named file or a number used twice is an error.</summary>
    public static IReadOnlyList<Migration> Load(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (FileName(resource) is not { } name)
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded resource {resource} cannot be read.");
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(name, reader.ReadToEnd()));
        }
        return Migration.Order(migrations);
    }

    // MSBuild names Migrations/0001_init.sql "RootNamespace.Migrations.0001_init.sql"; a LogicalName may keep the slash.
    private static string? FileName(string resource)
    {
        if (!resource.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        foreach (var folder in (ReadOnlySpan<string>)["Migrations/", "Migrations\\", "Migrations."])
        {
            var at = resource.LastIndexOf(folder, StringComparison.Ordinal);
            if (at >= 0 && (at == 0 || resource[at - 1] is '.' or '/' or '\\'))
            {
                var name = resource[(at + folder.Length)..];
                return name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) ? null : name;
            }
        }
        return null;
    }
}
