using System.Text;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Tests.Model;

public sealed class SocketRequestTests
{
    // Found by the fuzz suite (tests/ChatPlatform.AppHost.Tests/Hardening): a lone surrogate is valid JSON but no
    // string, and reading it threw out of the socket's loop, which dropped the connection without a close.
    [Theory]
    [InlineData("""{"type":"turn","requestId":"\ud800"}""", null, "'requestId' must be a string of 1 to 128 characters.")]
    [InlineData("""{"type":"\udfff","requestId":"r1"}""", "r1", "'type' must be one of turn, regenerate, continue, resume, stop.")]
    [InlineData("""{"type":"turn","requestId":"r1","conversationId":"\ud800"}""", "r1", "'conversationId' must be a uuid.")]
    [InlineData("""{"type":"turn","requestId":"r1","conversationId":"01a249d0-92b1-7e22-8a7b-617874aced59","content":"a\ud800b"}""", "r1", "'content' must be a string.")]
    public void A_lone_surrogate_in_a_field_is_refused_as_that_field(string frame, string? requestId, string error)
    {
        var parsed = SocketRequest.Parse(Encoding.UTF8.GetBytes(frame));

        Assert.Null(parsed.Request);
        Assert.Equal(requestId, parsed.RequestId);
        Assert.Equal(error, parsed.Error);
    }
}
