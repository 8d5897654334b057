namespace ChatPlatform.AppHost.Hosting;

/// <summary>
/// A .NET project the host can run, as generated into <c>Projects.*</c> at build time (build/ProjectMetadata.targets),
/// after Aspire's type of the same name.
/// </summary>
public interface IProjectMetadata
{
    /// <summary>The full path of the .csproj.</summary>
    string ProjectPath { get; }

    /// <summary>The full path of the assembly its build writes (bin/&lt;Configuration&gt;/net10.0/Name.dll).</summary>
    string TargetPath { get; }
}
