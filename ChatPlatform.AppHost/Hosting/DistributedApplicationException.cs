namespace ChatPlatform.AppHost.Hosting;

/// <summary>The app model cannot run as declared or configured; the message is one line for the console.</summary>
public sealed class DistributedApplicationException(string message, Exception? innerException = null)
    : Exception(message, innerException);
