namespace ChatPlatform.EventLog.Tests;

internal static class Events
{
    public static EventToAppend Numbered(string key, int number, string type = "test.numbered") =>
        EventToAppend.Create(type, key, new NumberedPayload(number));

    public static int Number(this EventRecord e) => e.PayloadAs<NumberedPayload>()!.Number;

    public sealed record NumberedPayload(int Number);
}
