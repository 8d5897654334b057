using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.AppHost.Tests.EndToEnd;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>A person using the gateway the ordinary way: signed in with a JWT, creating conversations and sending turns.</summary>
public sealed class GatewayUser(HttpClient client, string email, string password, string accessToken, string refreshToken) : IDisposable
{
    // sim-fast: 50 ms to the first token, 200 tokens/s; sim-smart: 400 ms, 40 tokens/s, about 3 s an answer.
    public const string FastModel = "sim-fast";
    public const string SlowModel = "sim-smart";

    public HttpClient Client { get; } = client;

    public string Email { get; } = email;

    public string Password { get; } = password;

    public string AccessToken { get; } = accessToken;

    public string RefreshToken { get; } = refreshToken;

    public static async Task<GatewayUser> RegisterAsync(TestPlatform platform, CancellationToken ct, string? email = null)
    {
        var client = platform.CreateHttpClient("gateway");
        client.Timeout = TimeSpan.FromSeconds(60);
        email ??= $"hardening-{Guid.NewGuid():N}@example.com";
        var password = "a long enough password " + Guid.NewGuid();
        using var response = await client.PostAsJsonAsync("/v1/auth/register", new { email, password }, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var access = tokens.GetProperty("accessToken").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        return new GatewayUser(client, email, password, access, tokens.GetProperty("refreshToken").GetString()!);
    }

    public async Task<string> CreateApiKeyAsync(CancellationToken ct)
    {
        using var created = await Client.PostAsJsonAsync("/v1/api-keys", new { name = "hardening" }, ct);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString()!;
    }

    public async Task<Guid> CreateConversationAsync(string model, CancellationToken ct)
    {
        using var response = await Client.PostAsJsonAsync("/v1/conversations", new { model }, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create conversation: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    /// <summary>Starts a turn and answers its response with the headers read (a stream on 200, problem details otherwise).</summary>
    public async Task<HttpResponseMessage> StartTurnAsync(Guid conversation, string content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns") { Content = JsonContent.Create(new { content }) };
        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>A whole turn: its events, up to the terminal one.</summary>
    public async Task<List<SseEvent>> TurnAsync(Guid conversation, string content, CancellationToken ct)
    {
        using var response = await StartTurnAsync(conversation, content, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // Read only when refused: read first, the stream would be buffered whole before its first event.
            Assert.Fail($"turn: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
        using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
        return await stream.ReadToEndAsync(ct);
    }

    /// <summary>Resumes an answer's events after <paramref name="lastEventId"/>.</summary>
    public async Task<HttpResponseMessage> ResumeAsync(Guid conversation, Guid message, long lastEventId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}/messages/{message}/events");
        request.Headers.Add("Last-Event-ID", lastEventId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>The conversation's current path, as (role, content, status) per message.</summary>
    public async Task<List<(string Role, string Content, string Status)>> MessagesAsync(Guid conversation, CancellationToken ct)
    {
        var detail = await Client.GetFromJsonAsync<JsonElement>($"/v1/conversations/{conversation}", ct);
        return [.. detail.GetProperty("messages").EnumerateArray().Select(m => (
            m.GetProperty("role").GetString()!.ToLowerInvariant(),
            m.GetProperty("content").GetString() ?? "",
            m.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()!.ToLowerInvariant() : ""))];
    }

    public async Task<HttpResponseMessage> SignInAsync(CancellationToken ct)
    {
        using var anonymous = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return await anonymous.PostAsJsonAsync("/v1/auth/signin", new { email = Email, password = Password }, ct);
    }

    public void Dispose() => Client.Dispose();
}
