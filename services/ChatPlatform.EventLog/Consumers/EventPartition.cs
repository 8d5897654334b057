using System.Text;

namespace ChatPlatform.EventLog;

/// <summary>
/// One of <see cref="Count"/> consumers that share a log by key: each handles the events whose key hashes to its
/// <see cref="Index"/>, so one key's events stay in order in one consumer while different keys proceed side by side.
/// The hash is FNV-1a over the key's UTF-8 bytes: the same in every process and every release, as it must be for a
/// key to stay with the consumer whose offset covers it. Changing the count moves keys between offsets, so it is fixed
/// in code, not configuration.
/// </summary>
public sealed record EventPartition(int Index, int Count)
{
    public bool Owns(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash % (uint)Count == (uint)Index;
    }

    internal bool IsValid => Count >= 1 && Index >= 0 && Index < Count;
}
