using System.Text;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Infrastructure;

public sealed class ServerSentEventsTests
{
    private static async Task<List<TurnEvent>> ReadAsync(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var events = new List<TurnEvent>();
        await foreach (var e in ServerSentEvents.ReadAsync(stream, TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }
        return events;
    }

    [Fact]
    public async Task Frames_give_their_id_type_and_json_data()
    {
        var events = await ReadAsync("id: 1\nevent: turn.started\ndata: {\"conversationId\":\"c\"}\n\nid: 2\nevent: delta\ndata: {\"text\":\" hi\"}\n\n");

        Assert.Equal([1L, 2L], events.Select(e => e.Id));
        Assert.Equal([TurnEvent.Started, TurnEvent.Delta], events.Select(e => e.Type));
        Assert.Equal(" hi", events[1].Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Comments_are_ignored_and_data_lines_are_joined()
    {
        var events = await ReadAsync(": keep-alive\n\nid:3\nevent:delta\ndata: {\"text\":\ndata: \"a\"}\n\n");

        var e = Assert.Single(events);
        Assert.Equal(3, e.Id);
        Assert.Equal("a", e.Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_frame_cut_off_by_a_dropped_connection_is_not_delivered()
    {
        var events = await ReadAsync("id: 1\nevent: delta\ndata: {\"text\":\"a\"}\n\nid: 2\nevent: delta\ndata: {\"te");

        Assert.Equal([1L], events.Select(e => e.Id));
    }

    [Fact]
    public async Task An_event_without_an_id_keeps_the_last_one_and_empty_data_reads_as_null()
    {
        var events = await ReadAsync("id: 7\r\nevent: delta\r\ndata: {\"text\":\"a\"}\r\n\r\nevent: ping\ndata:\n\n");

        Assert.Equal([7L, 7L], events.Select(e => e.Id));
        Assert.Equal(["delta", "ping"], events.Select(e => e.Type));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, events[1].Data.ValueKind);
    }
}
