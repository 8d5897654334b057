using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ChatPlatform.Postgres;

/// <summary>Keys for <c>pg_advisory_lock(bigint)</c>, derived from a name so unrelated code never shares a lock by accident.</summary>
public static class AdvisoryLockKeys
{
    public static long For(string name) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
}
