using System.Text;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>What an answer to a fuzzed request must be, beyond no 5xx, no hang and no reset.</summary>
public enum FuzzExpectation
{
    /// <summary>Any status; an error must be problem details (or OpenAI's error shape on the OpenAI routes).</summary>
    Shaped,

    /// <summary>Must be refused with a 4xx, shaped as <see cref="Shaped"/>.</summary>
    Refused,

    /// <summary>Broken below HTTP's semantics (chunking, header syntax): the server may answer a bare 4xx before any endpoint runs.</summary>
    Protocol,
}

/// <summary>
/// One fuzzed request, exactly as it goes on the wire. <see cref="Route"/> names the route template it aims at (for the
/// per-route counts); <see cref="Mutation"/> says what was done to it; <see cref="Item"/> names the item of issue 16 a
/// hostile case guards, when it guards one.
/// </summary>
public sealed record FuzzRequest(
    int Index,
    string Route,
    string Method,
    string Target,
    IReadOnlyList<(string Name, string Value)> Headers,
    byte[] Body,
    string Mutation,
    FuzzExpectation Expectation,
    string? Item = null)
{
    /// <summary>OpenAI's routes answer errors in OpenAI's shape rather than as problem details.</summary>
    public bool IsOpenAIRoute => Route.Contains("/v1/chat/completions", StringComparison.Ordinal) || Route.Contains("/v1/models", StringComparison.Ordinal)
        || Route.Contains("/v1/embeddings", StringComparison.Ordinal);

    public bool IsHead => Method == "HEAD";

    /// <summary>The head as sent: the target and header values are Latin-1 strings, one char per byte, so invalid UTF-8 goes out as is.</summary>
    public byte[] Head(Uri endpoint)
    {
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(endpoint.Authority).Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (!Headers.Any(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            && (Body.Length > 0 || Method is "POST" or "PUT" or "PATCH"))
        {
            head.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        }
        head.Append("Connection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    /// <summary>The request in a form a person can read and replay: the head, and the body escaped (long ones cut, with their length).</summary>
    public string Describe(Uri endpoint)
    {
        var text = new StringBuilder();
        text.Append($"#{Index} {Route} [{Mutation}] expect {Expectation}{(Item is null ? "" : $" (item {Item})")}\n");
        text.Append(Escape(Head(endpoint), 4096));
        text.Append(Body.Length <= 1024 ? Escape(Body, 1024) : $"{Escape(Body.AsSpan(0, 512).ToArray(), 512)}… ({Body.Length:N0} bytes in all)");
        return text.ToString();
    }

    /// <summary>The exact bytes, to replay with <c>nc host port &lt; file</c>.</summary>
    public byte[] Wire(Uri endpoint) => [.. Head(endpoint), .. Body];

    private static string Escape(byte[] bytes, int max)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(max))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n\n",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }
        return text.ToString();
    }
}
