using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatPlatform.Postgres;

/// <summary>One numbered SQL file of a schema, e.g. <c>0002_add_titles.sql</c>.</summary>
public sealed partial record Migration
{
    public Migration(string name, string sql)
    {
        Name = name;
        Sql = sql;
    }

    /// <summary>The file name, NNNN_description.sql; the history table keys on it.</summary>
    public string Name
    {
        get;
        init
        {
            Number = ParseNumber(value);
            field = value;
        }
    }

    public string Sql
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            Checksum = ComputeChecksum(value);
            field = value;
        }
    }

    /// <summary>The NNNN prefix of the file name.</summary>
    public int Number { get; private set; }

    /// <summary>
    /// SHA-256 of the file text, hex. Line endings count as LF so that a checkout with CRLF endings
    /// does not look like a changed file.
    /// </summary>
    public string Checksum { get; private set; } = "";

    /// <summary>Validates the names (NNNN_description.sql, no number twice) and returns the migrations in order.</summary>
    public static IReadOnlyList<Migration> Order(IEnumerable<Migration> migrations)
    {
        var ordered = migrations.OrderBy(m => m.Number).ThenBy(m => m.Name, StringComparer.Ordinal).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Number == ordered[i - 1].Number)
            {
                throw new InvalidOperationException(
                    $"Migrations {ordered[i - 1].Name} and {ordered[i].Name} have the same number; each number must be used once.");
            }
        }
        return ordered;
    }

    private static string ComputeChecksum(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.Replace("\r\n", "\n", StringComparison.Ordinal))));

    private static int ParseNumber(string name)
    {
        var match = FileNamePattern().Match(name);
        if (!match.Success)
        {
            throw new ArgumentException(
                $"Migration file name '{name}' is not of the form NNNN_description.sql (four digits, an underscore, letters, digits, '_' or '-').",
                nameof(name));
        }
        return int.Parse(match.Groups["number"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<number>[0-9]{4})_[A-Za-z0-9_\-]+\.sql$")]
    private static partial Regex FileNamePattern();
}
