namespace ChatPlatform.Web.Components.Chat;

// The logging source generator does not see the Razor generator's output: [LoggerMessage] methods live here.
public sealed partial class Composer
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Asking about the file {FileId} failed ({Status}); asked again at the next tick")]
    private static partial void LogPollFailed(ILogger logger, Guid fileId, int status);

    /// <summary>Puts <paramref name="text"/> in the message box (a starter prompt picked) and focuses it, to send or change.</summary>
    public void Fill(string text)
    {
        _text = text;
        _tooLong = null;
        _resize = true;
        _focus = true;
        StateHasChanged();
    }
}
