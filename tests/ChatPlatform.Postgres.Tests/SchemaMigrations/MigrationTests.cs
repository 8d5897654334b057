namespace ChatPlatform.Postgres.Tests.SchemaMigrations;

public sealed class MigrationTests
{
    [Fact]
    public void Migrations_are_ordered_by_number()
    {
        var ordered = Migration.Order([new("0010_c.sql", ""), new("0002_b.sql", ""), new("0001_a.sql", "")]);

        Assert.Equal(["0001_a.sql", "0002_b.sql", "0010_c.sql"], ordered.Select(m => m.Name));
    }

    [Fact]
    public void A_number_used_twice_is_an_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Migration.Order([new("0001_a.sql", ""), new("0001_b.sql", "")]));

        Assert.Contains("0001_a.sql and 0001_b.sql have the same number", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1_init.sql")]
    [InlineData("0001-init.sql")]
    [InlineData("0001_init.txt")]
    [InlineData("init.sql")]
    [InlineData("00001_init.sql")]
    public void A_name_without_the_NNNN_prefix_is_an_error(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new Migration(name, "SELECT 1"));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checksum_is_the_sha256_of_the_text_and_ignores_line_ending_style()
    {
        var unix = new Migration("0001_a.sql", "CREATE TABLE a ();\nCREATE TABLE b ();\n");
        var windows = new Migration("0001_a.sql", "CREATE TABLE a ();\r\nCREATE TABLE b ();\r\n");
        var changed = new Migration("0001_a.sql", "CREATE TABLE a ();\nCREATE TABLE c ();\n");

        Assert.Equal(unix.Checksum, windows.Checksum);
        Assert.NotEqual(unix.Checksum, changed.Checksum);
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("CREATE TABLE a ();\nCREATE TABLE b ();\n"u8)),
            unix.Checksum);
    }

    [Fact]
    public void Embedded_migrations_are_read_from_the_Migrations_folder_in_order()
    {
        var migrations = EmbeddedMigrations.Load(typeof(MigrationTests).Assembly);

        Assert.Equal(["0001_create_notes.sql", "0002_add_note_created_at.sql"], migrations.Select(m => m.Name));
        Assert.Contains("CREATE TABLE notes", migrations[0].Sql, StringComparison.Ordinal);
    }
}
