namespace ChatPlatform.Web.Model;

public static class MessageLimits
{
    /// <summary>
    /// The longest message the chat service accepts, in UTF-16 code units (ConversationRules.MaxContentLength in
    /// services/ChatPlatform.Chat): the composer refuses a longer one in place instead of sending it to be refused.
    /// </summary>
    public const int MaxContentLength = 100_000;
}
