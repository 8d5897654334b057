namespace ChatPlatform.Postgres;

/// <summary>A schema's migrations cannot be applied; the message names the schema and the file.</summary>
public sealed class MigrationException : Exception
{
    public MigrationException(string message)
        : base(message)
    {
    }

    public MigrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MigrationException()
    {
    }
}
