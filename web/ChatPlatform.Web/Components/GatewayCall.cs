using ChatPlatform.Web.Infrastructure;

namespace ChatPlatform.Web.Components;

/// <summary>
/// A component's calls to the gateway made one at a time: <see cref="Busy"/> while one runs (its buttons wait), and
/// the gateway's refusal as the sentence to show in <see cref="Error"/>. Other exceptions are not the person's to read.
/// </summary>
/// <param name="describe">How a refusal reads; its message by default.</param>
public sealed class GatewayCall(Func<GatewayException, string>? describe = null)
{
    public bool Busy { get; private set; }

    /// <summary>The last refusal, cleared by the next call; a component may set its own (a copy the browser refused).</summary>
    public string? Error { get; set; }

    public async Task RunAsync(Func<Task> action)
    {
        Busy = true;
        Error = null;
        try
        {
            await action();
        }
        catch (GatewayException e)
        {
            Error = describe is null ? e.Message : describe(e);
        }
        finally
        {
            Busy = false;
        }
    }
}
