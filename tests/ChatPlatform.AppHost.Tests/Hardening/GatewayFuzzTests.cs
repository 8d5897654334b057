using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatPlatform.AppHost.Tests.EndToEnd;
using static ChatPlatform.AppHost.Tests.Hardening.HardeningPlatform;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>
/// Issue 16's fuzz suite: seeded hostile requests to every public route of the gateway, on the wire as sent, while
/// another user chats normally. Every answer must be complete (no hang, reset or short body), below 500, and an error
/// must be problem details (OpenAI's error shape on its routes) that names nothing internal. Another seed:
/// <c>CHATPLATFORM_FUZZ_SEED=n</c>; more or fewer requests: <c>CHATPLATFORM_FUZZ_REQUESTS=n</c>.
/// </summary>
[Collection(nameof(OwnPlatformCollection))]
public sealed class GatewayFuzzTests
{
    public const string SeedVariable = "CHATPLATFORM_FUZZ_SEED";
    public const string CountVariable = "CHATPLATFORM_FUZZ_REQUESTS";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    // What no error body may carry: exception and type names, stack frames, driver names, connection strings.
    private static readonly string[] Internals = ["Exception", "   at ", "Npgsql", "StackExchange", "System.", "Password=", "Host=", "Microsoft."];

    private sealed record Outcome(FuzzRequest Request, int? Status, string? Failure);

    [Fact]
    public async Task Fuzzed_requests_to_every_route_are_answered_4xx_in_shape_while_another_user_chats()
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var s) ? s : Random.Shared.Next();
        var count = int.TryParse(Environment.GetEnvironmentVariable(CountVariable), out var n) ? n : 2_000;
        Report($"fuzz seed {seed} ({SeedVariable}={seed} reruns it), {count} requests");

        await using var platform = await StartAsync(ct, FuzzSettings);
        var gateway = platform.Endpoint("gateway");
        using var admin = await GatewayUser.RegisterAsync(platform, ct, AdminEmail);
        using var attacker = await GatewayUser.RegisterAsync(platform, ct);
        using var bystander = await GatewayUser.RegisterAsync(platform, ct);
        using var victim = await GatewayUser.RegisterAsync(platform, ct);
        var targets = await PrepareTargetsAsync(admin, attacker, victim, ct);

        using var stopBystander = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var bystanderRun = ChatNormallyAsync(bystander, stopBystander.Token);

        var clock = Stopwatch.StartNew();
        var outcomes = new ConcurrentBag<Outcome>();
        await Parallel.ForEachAsync(new FuzzCorpus(seed, targets).Generate(count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (request, token) => outcomes.Add(await SendAsync(gateway, request, token)));
        var frames = await FuzzWebSocketAsync(platform, attacker, targets, seed, ct);
        clock.Stop();

        await stopBystander.CancelAsync();
        var (turns, bystanderFailures) = await bystanderRun;
        bystanderFailures.AddRange(await WhatChangedOutsideTheVictimAsync(admin, attacker, bystander, ct));

        var all = outcomes.OrderBy(o => o.Request.Index).ToList();
        var failures = all.Where(o => o.Failure is not null).ToList();
        Report($"{all.Count} requests and {frames.Sent} WebSocket frames in {clock.Elapsed.TotalSeconds:0.0} s; "
            + $"{all.Count(o => o.Status >= 500)} answered 5xx; {failures.Count} failed; the bystander completed {turns} turns");
        Report($"{"route",-58} {"sent",6} {"5xx",5} {"failed",7}");
        foreach (var route in all.GroupBy(o => o.Request.Route).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Report($"{route.Key,-58} {route.Count(),6} {route.Count(o => o.Status >= 500),5} {route.Count(o => o.Failure is not null),7}");
        }
        Report($"{"WS /v1/ws frames",-58} {frames.Sent,6} {frames.Failures.Count(f => f.Contains("5xx", StringComparison.Ordinal)),5} {frames.Failures.Count,7}");
        var replays = Path.Combine(AppContext.BaseDirectory, "fuzz-failures", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var failure in failures)
        {
            Report($"FAILED #{failure.Request.Index} {failure.Request.Route} [{failure.Request.Mutation}]{(failure.Request.Item is null ? "" : $" (item {failure.Request.Item})")}: {Cut(failure.Failure!, 240)}");
        }
        foreach (var failure in failures.Take(20))
        {
            Directory.CreateDirectory(replays);
            var file = Path.Combine(replays, $"{failure.Request.Index}.http");
            await File.WriteAllBytesAsync(file, failure.Request.Wire(gateway), ct);
            Report($"--- FAILED (seed {seed}): {failure.Failure}; exact bytes in {file}{Environment.NewLine}{failure.Request.Describe(gateway)}");
        }
        foreach (var failure in frames.Failures.Concat(bystanderFailures))
        {
            Report($"--- FAILED (seed {seed}): {failure}");
        }

        Assert.True(all.Count >= count, $"only {all.Count} of {count} requests were sent");
        Assert.True(turns >= 3, $"the bystander completed only {turns} turns during the run");
        Assert.Empty(bystanderFailures);
        Assert.Empty(frames.Failures);
        if (failures.Count > 0)
        {
            Assert.Fail($"seed {seed}: {failures.Count} of {all.Count} fuzzed requests failed, e.g. {failures[0].Failure}:{Environment.NewLine}{failures[0].Request.Describe(gateway)}");
        }
    }

    /// <summary>The attacker's own conversation with one exchange, an API key, and a model of the admin's to aim the admin routes at.</summary>
    private static async Task<FuzzTargets> PrepareTargetsAsync(GatewayUser admin, GatewayUser attacker, GatewayUser victim, CancellationToken ct)
    {
        using var model = await admin.Client.PutAsJsonAsync("/v1/admin/models/fuzz-model",
            new { displayName = "Fuzz", contextWindow = 8192, maxOutputTokens = 256 }, ct);
        Assert.True(model.IsSuccessStatusCode, $"the admin's model: {(int)model.StatusCode} {await model.Content.ReadAsStringAsync(ct)}");
        var apiKey = await attacker.CreateApiKeyAsync(ct);
        var conversation = await attacker.CreateConversationAsync(GatewayUser.FastModel, ct);
        var events = await attacker.TurnAsync(conversation, "the attacker's first question", ct);
        var started = events[0].Data;
        var victimId = (await victim.Client.GetFromJsonAsync<JsonElement>("/v1/me", ct)).GetProperty("id").GetGuid();
        return new FuzzTargets(attacker.AccessToken, admin.AccessToken, apiKey, conversation,
            started.GetProperty("userMessage").GetProperty("id").GetGuid(), started.GetProperty("assistantMessage").GetProperty("id").GetGuid(), "fuzz-model",
            victimId, victim.AccessToken, victim.Password, await admin.CreateApiKeyAsync(ct));
    }

    /// <summary>
    /// What a fuzzed request changed that none may: the admin routes aim only at the throwaway victim, so the attacker, the
    /// bystander and the admin keep their role and stay enabled, and every audited change was made by the admin.
    /// </summary>
    private static async Task<List<string>> WhatChangedOutsideTheVictimAsync(
        GatewayUser admin, GatewayUser attacker, GatewayUser bystander, CancellationToken ct)
    {
        var changed = new List<string>();
        var adminId = (await admin.Client.GetFromJsonAsync<JsonElement>("/v1/me", ct)).GetProperty("id").GetGuid();
        foreach (var (user, role) in new[] { (attacker, "user"), (bystander, "user"), (admin, "admin") })
        {
            var page = await admin.Client.GetFromJsonAsync<JsonElement>($"/v1/admin/users?q={Uri.EscapeDataString(user.Email)}", ct);
            var account = page.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("email").GetString() == user.Email);
            if (account.GetProperty("role").GetString() != role || account.GetProperty("disabled").GetBoolean())
            {
                changed.Add($"{user.Email} was changed by the run: {account}");
            }
        }
        string? cursor = null;
        do
        {
            var audit = await admin.Client.GetFromJsonAsync<JsonElement>($"/v1/admin/audit?limit=200{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", ct);
            foreach (var item in audit.GetProperty("items").EnumerateArray())
            {
                if (item.GetProperty("userId").ValueKind != JsonValueKind.String || item.GetProperty("userId").GetGuid() != adminId)
                {
                    changed.Add($"an audited change not made by the admin: {item}");
                }
            }
            cursor = audit.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return changed;
    }

    private static async Task<Outcome> SendAsync(Uri gateway, FuzzRequest request, CancellationToken ct)
    {
        try
        {
            var response = await RawHttp.ExchangeAsync(gateway, request.Head(gateway), request.Body, request.IsHead, RequestTimeout, ct);
            return new Outcome(request, response.Status, Check(request, response));
        }
        catch (WireException e)
        {
            return new Outcome(request, null, $"{e.Failure}: {e.Message}");
        }
    }

    /// <summary>What is wrong with the answer, or null.</summary>
    private static string? Check(FuzzRequest request, RawResponse response)
    {
        var status = response.Status;
        var summary = $"{status} {Cut(response.BodyText, 300)}";
        if (status >= 500)
        {
            return $"5xx: {summary}";
        }
        if (request.Expectation == FuzzExpectation.Refused && status is < 400 or >= 500)
        {
            return $"not refused: {summary}";
        }
        if (status < 400)
        {
            return null;
        }
        if (Internals.FirstOrDefault(response.BodyText.Contains) is { } leak)
        {
            return $"the error names internals ('{leak}'): {summary}";
        }
        if (response.Header("www-authenticate") is { } challenge && (Internals.Any(challenge.Contains) || challenge.Contains("IDX", StringComparison.Ordinal)))
        {
            return $"WWW-Authenticate carries a parser message: {challenge}";
        }
        if (request.Expectation == FuzzExpectation.Protocol || request.IsHead)
        {
            return null;
        }
        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return $"the error is not JSON ({response.Header("content-type") ?? "no content type"}): {summary}";
        }
        var openAIShape = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error)
            && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String;
        var problemShape = response.Header("content-type")?.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase) == true
            && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("status", out var problemStatus) && problemStatus.ValueKind == JsonValueKind.Number;
        // A traversal out of an OpenAI route may land on another route, which answers problem details (or stay on it).
        var openAIRoute = (request.Target.StartsWith("/v1/chat/completions", StringComparison.Ordinal) || request.Target.StartsWith("/v1/models", StringComparison.Ordinal)
                || request.Target.StartsWith("/v1/embeddings", StringComparison.Ordinal))
            && !request.Target.Contains("..", StringComparison.Ordinal) && !request.Target.Contains("%2e", StringComparison.OrdinalIgnoreCase);
        var traversal = request.Target.Contains("..", StringComparison.Ordinal) || request.Target.Contains("%2e", StringComparison.OrdinalIgnoreCase);
        return openAIRoute
            ? openAIShape ? null : $"not OpenAI's error shape: {summary}"
            : problemShape || (traversal && openAIShape) ? null : $"not problem details ({response.Header("content-type") ?? "no content type"}): {summary}";
    }

    /// <summary>
    /// A person chatting through the whole run: a conversation, a turn, and the conversation read back, over and over.
    /// Answers the turns completed and what went wrong.
    /// </summary>
    private static async Task<(int Turns, List<string> Failures)> ChatNormallyAsync(GatewayUser user, CancellationToken stop)
    {
        var failures = new List<string>();
        var turns = 0;
        while (!stop.IsCancellationRequested)
        {
            var content = $"bystander question {turns + 1}";
            try
            {
                var conversation = await user.CreateConversationAsync(GatewayUser.FastModel, stop);
                var events = await user.TurnAsync(conversation, content, stop);
                var final = events[^1];
                if (final.Type != "done")
                {
                    failures.Add($"bystander turn {turns + 1}: ended with {final.Type} {final.Data}");
                    continue;
                }
                var answer = final.Data.GetProperty("message").GetProperty("content").GetString();
                var saved = await user.MessagesAsync(conversation, stop);
                if (saved.Count != 2 || saved[0] != ("user", content, saved[0].Status) || saved[1].Role != "assistant" || saved[1].Content != answer)
                {
                    failures.Add($"bystander turn {turns + 1}: read back {string.Join(" | ", saved)}");
                }
                turns++;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures.Add($"bystander turn {turns + 1}: {e.GetType().Name}: {e.Message}");
                turns++;
            }
        }
        return (turns, failures);
    }

    /// <summary>
    /// Malformed frames over one socket: each must get one <c>error</c> frame below 500 and leave the socket open; a
    /// valid turn afterwards still streams to its end.
    /// </summary>
    private static async Task<(int Sent, List<string> Failures)> FuzzWebSocketAsync(
        TestPlatform platform, GatewayUser user, FuzzTargets targets, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        var c = targets.Conversation;
        var frames = new List<string>
        {
            "not json", "[]", "null", "{}", "\"text\"", "{\"type\":\"turn\"}", $"{{\"type\":\"turn\",\"requestId\":\"{new string('r', 200)}\"}}",
            "{\"type\":\"bogus\",\"requestId\":\"r\"}", "{\"type\":\"turn\",\"requestId\":\"r\",\"conversationId\":\"../../x\",\"content\":\"hi\"}",
            $"{{\"type\":\"turn\",\"requestId\":\"r\",\"conversationId\":\"{Guid.NewGuid()}\",\"content\":\"hi\"}}",
            $"{{\"type\":\"turn\",\"requestId\":\"r\",\"conversationId\":\"{c}\",\"content\":123}}",
            $"{{\"type\":\"turn\",\"requestId\":\"r\",\"conversationId\":\"{c}\",\"content\":\"hi\",\"parentId\":\"junk\"}}",
            $"{{\"type\":\"resume\",\"requestId\":\"r\",\"conversationId\":\"{c}\",\"messageId\":\"{targets.AssistantMessage}\",\"lastEventId\":-1}}",
            $"{{\"type\":\"resume\",\"requestId\":\"r\",\"conversationId\":\"{c}\",\"messageId\":\"junk\"}}",
            $"{{\"type\":\"stop\",\"requestId\":\"r\",\"conversationId\":\"{c}\",\"messageId\":\"{Guid.NewGuid()}\"}}",
            $"{{\"type\":\"regenerate\",\"requestId\":\"r\",\"conversationId\":\"{Guid.NewGuid()}\",\"messageId\":\"{Guid.NewGuid()}\"}}",
            new string('[', 10_000) + new string(']', 10_000),
            "{\"type\":\"turn\",\"requestId\":\"r\",\"type\":\"stop\"}",
            "{\"requestId\":\"\\ud800\",\"type\":\"turn\"}",
        };
        var shuffled = Enumerable.Range(0, 100).Select(i => frames[random.Next(frames.Count)]).ToList();

        var failures = new List<string>();
        var gateway = platform.Endpoint("gateway");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{gateway.Authority}/v1/ws?access_token={Uri.EscapeDataString(targets.UserToken)}"), ct);
        foreach (var frame in shuffled)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                var answer = await ReceiveAsync(socket, timeout.Token);
                if (answer.GetProperty("type").GetString() != "error")
                {
                    failures.Add($"frame {Cut(frame, 200)}: answered {answer}");
                }
                else if (answer.TryGetProperty("status", out var status) && status.GetInt32() >= 500)
                {
                    failures.Add($"frame {Cut(frame, 200)}: 5xx {answer}");
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                failures.Add($"frame {Cut(frame, 200)}: {e.GetType().Name} {e.Message} (socket {socket.State})");
                break;
            }
        }
        if (socket.State == WebSocketState.Open)
        {
            // A conversation of its own: an odd method (DELETE for GET) may have deleted the attacker's.
            var fresh = await user.CreateConversationAsync(GatewayUser.FastModel, ct);
            await socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "turn", requestId = "valid", conversationId = fresh, content = "still here?" })),
                WebSocketMessageType.Text, endOfMessage: true, ct);
            JsonElement last;
            do
            {
                last = await ReceiveAsync(socket, ct);
            }
            while (last.GetProperty("type").GetString() == "event" && last.GetProperty("event").GetString() is not ("done" or "error"));
            if (last.GetProperty("type").GetString() != "event" || last.GetProperty("event").GetString() != "done")
            {
                failures.Add($"a valid turn after the malformed frames ended with {last}");
            }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        }
        return (shuffled.Count + 1, failures);
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed: {result.CloseStatus} {result.CloseStatusDescription}");
            }
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        using var document = JsonDocument.Parse(message.ToArray());
        return document.RootElement.Clone();
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
