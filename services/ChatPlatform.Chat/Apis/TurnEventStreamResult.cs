using System.Globalization;
using System.Text;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// A turn's events as server-sent events (<c>id</c>, <c>event</c>, <c>data</c>), each written and flushed as it comes.
/// A client that leaves ends only this response, never the turn.
/// </summary>
public sealed class TurnEventStreamResult(IAsyncEnumerable<TurnEvent> events) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        httpContext.StartServerSentEvents();
        try
        {
            // The headers go at once, so the client knows the turn began before the model's first token.
            await response.Body.FlushAsync(cancellationToken);
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                await response.Body.WriteAsync(Frame(e), cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The client left; whatever produces the events goes on.
        }
    }

    public static byte[] Frame(TurnEvent e) => Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"id: {e.Id}\nevent: {e.Type}\ndata: {e.Data}\n\n"));
}
