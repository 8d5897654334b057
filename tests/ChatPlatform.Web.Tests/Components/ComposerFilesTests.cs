using System.Collections.Concurrent;
using System.Security.Claims;
using Bunit;
using ChatPlatform.Testing;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>
/// The composer's file chips, rendered with bUnit. The browser module's calls are made as it makes them; the files a
/// chip asks about come from a real HTTP server standing in for the gateway.
/// </summary>
public sealed class ComposerFilesTests : BunitContext, IAsyncLifetime
{
    private const string AccessToken = "composer-access-token";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentDictionary<Guid, Queue<string>> _statuses = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private LoopbackHttpServer _gateway = default!;

    private static CancellationToken Cancellation => Xunit.TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _gateway = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapGet("/v1/files", (HttpContext context) =>
            {
                _authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
                _requests.Enqueue("list");
                var files = string.Join(',', _statuses.Select(pair => FileJson(pair.Key, pair.Value.Count > 1 ? pair.Value.Dequeue() : pair.Value.Peek())));
                return Results.Text("{\"files\":[" + files + "],\"nextBefore\":null,\"usage\":{\"bytes\":0,\"files\":0,\"maxBytes\":1,\"maxFiles\":1}}", "application/json");
            });
            app.MapGet("/v1/files/{id:guid}", (Guid id, HttpContext context) =>
            {
                _authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
                _requests.Enqueue("get");
                if (!_statuses.TryGetValue(id, out var statuses))
                {
                    return Results.Problem(statusCode: 404, detail: "This file does not exist.");
                }
                var status = statuses.Count > 1 ? statuses.Dequeue() : statuses.Peek();
                return Results.Text(FileJson(id, status), "application/json");
            });
        }, Cancellation);

        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized("a@example.com");
        auth.SetClaims(
            new Claim(SessionTokens.SessionIdClaim, "session-1"),
            new Claim(SessionTokens.AccessTokenClaim, AccessToken),
            new Claim(SessionTokens.RefreshTokenClaim, "refresh"),
            new Claim(SessionTokens.ExpiresAtClaim, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString()));
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton<SessionTokenStore>();
        Services.AddSingleton<SessionRefresher>();
        Services.AddSingleton(Options.Create(new WebClientOptions()));
        Services.AddHttpClient<GatewayAuthClient>(client => client.BaseAddress = _gateway.BaseAddress);
        Services.AddHttpClient(GatewayClient.HttpClientName, client => client.BaseAddress = _gateway.BaseAddress);
        Services.AddScoped<UserSession>();
        Services.AddScoped<GatewayClient>();
        Services.AddSingleton<AntiforgeryStateProvider>(new FixedAntiforgery());
    }

    private sealed class FixedAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken? GetAntiforgeryToken() => new("token", "__RequestVerificationToken");
    }

    private static string FileJson(Guid id, string status, string kind = "document") =>
        $$"""
        {"id":"{{id}}","name":"report.pdf","mediaType":"application/pdf","kind":"{{kind}}","sizeBytes":2048,"sha256":"9f2c","status":"{{status}}",
         "progress":{{(status == "ready" ? 100 : 30)}},"pages":3,"chunks":null,"error":null,"createdAt":"2026-12-06T08:00:00Z","updatedAt":"2026-12-06T08:00:00Z"}
        """;

    private (IRenderedComponent<Composer> Composer, List<ComposerMessage> Sent) RenderComposer()
    {
        var sent = new List<ComposerMessage>();
        var composer = Render<Composer>(p => p.Add(c => c.OnSend, message =>
        {
            sent.Add(message);
            return Task.FromResult(true);
        }));
        return (composer, sent);
    }

    /// <summary>
    /// Moves the clock a poll interval at a time until <paramref name="done"/>: the poll loop arms its next delay only
    /// after it has rendered the last answer, and a move made before then is lost (a CI run under load waited 10 s on
    /// one). The fake answers the last status again to any extra poll.
    /// </summary>
    private async Task AdvanceUntilAsync(Func<bool> done)
    {
        for (var moves = 0; moves < 100 && !done(); moves++)
        {
            _time.Advance(Composer.PollInterval);
            await Task.Delay(50, Xunit.TestContext.Current.CancellationToken);
        }
    }

    private static bool SendDisabled(IRenderedComponent<Composer> composer) =>
        composer.Find("button[aria-label='Send message']").HasAttribute("disabled");

    [Fact]
    public async Task Send_waits_for_the_upload_and_the_processing_then_the_message_names_the_file()
    {
        var (composer, sent) = RenderComposer();
        var id = Guid.NewGuid();
        _statuses[id] = new Queue<string>(["processing", "ready"]);
        composer.Find("#composer-input").Input("Summarise it");

        await composer.InvokeAsync(() => composer.Instance.OnFileAdded("f1", "A very long report name that goes on and on.pdf", 2048, null));
        await composer.InvokeAsync(() => composer.Instance.OnUploadProgress("f1", 1024));

        Assert.True(SendDisabled(composer));
        var chip = composer.Find("li.attachment-chip");
        Assert.Equal("A very long report name that goes on and on.pdf", chip.GetAttribute("title"));
        Assert.Contains("2 KB · Uploading 50%", chip.TextContent);
        Assert.Equal("50", composer.Find("progress.chip-progress").GetAttribute("value"));
        Assert.Equal("Wait for the files to finish uploading.", composer.Find("#composer-files").TextContent);

        await composer.InvokeAsync(() => composer.Instance.OnUploaded("f1", FileJson(id, "pending")));
        composer.WaitForAssertion(() => Assert.Equal("processing", composer.Find("li.attachment-chip").GetAttribute("data-stage")));
        Assert.True(SendDisabled(composer));

        // Asked again each second: processing, then ready.
        await AdvanceUntilAsync(() => composer.Find("li.attachment-chip").TextContent.Contains("Processing 30%", StringComparison.Ordinal));
        await AdvanceUntilAsync(() => composer.Find("li.attachment-chip").GetAttribute("data-stage") == "ready");
        Assert.Equal("ready", composer.Find("li.attachment-chip").GetAttribute("data-stage"));
        Assert.False(SendDisabled(composer));
        Assert.All(_authorizations, a => Assert.Equal($"Bearer {AccessToken}", a));

        await composer.Find("form").SubmitAsync();

        var message = Assert.Single(sent);
        Assert.Equal("Summarise it", message.Text);
        Assert.Equal([id], message.FileIds);
        Assert.Empty(composer.FindAll("li.attachment-chip"));
    }

    [Fact]
    public async Task Several_files_processing_are_asked_about_in_one_request_a_tick_not_one_each()
    {
        var (composer, _) = RenderComposer();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        _statuses[first] = new Queue<string>(["ready"]);
        _statuses[second] = new Queue<string>(["processing"]);
        await composer.InvokeAsync(() => composer.Instance.OnFileAdded("f1", "a.pdf", 2048, null));
        await composer.InvokeAsync(() => composer.Instance.OnFileAdded("f2", "b.pdf", 2048, null));
        await composer.InvokeAsync(() => composer.Instance.OnUploaded("f1", FileJson(first, "pending")));
        await composer.InvokeAsync(() => composer.Instance.OnUploaded("f2", FileJson(second, "pending")));

        _time.Advance(Composer.PollInterval);

        composer.WaitForAssertion(() => Assert.Equal(["ready", "processing"], composer.FindAll("li.attachment-chip").Select(c => c.GetAttribute("data-stage"))),
            TimeSpan.FromSeconds(10));
        Assert.Equal(["list"], _requests);
    }

    [Fact]
    public async Task A_refused_upload_says_why_in_place_and_the_message_waits_until_the_chip_is_removed()
    {
        var (composer, sent) = RenderComposer();
        composer.Find("#composer-input").Input("Read this");

        await composer.InvokeAsync(() => composer.Instance.OnFileAdded("f1", "huge.pdf", 90_000_000, null));
        await composer.InvokeAsync(() => composer.Instance.OnUploadFailed("f1", 413, "The file is too large: documents are limited to 50 MB."));

        var status = composer.Find("li.attachment-chip .chip-status");
        Assert.Equal("alert", status.GetAttribute("role"));
        Assert.Equal("The file is too large: documents are limited to 50 MB.", status.TextContent);
        Assert.True(SendDisabled(composer));

        await composer.Find("button[aria-label='Remove huge.pdf']").ClickAsync();

        Assert.Empty(composer.FindAll("li.attachment-chip"));
        Assert.False(SendDisabled(composer));
        await composer.Find("form").SubmitAsync();
        Assert.Empty(Assert.Single(sent).FileIds);
    }

    [Fact]
    public async Task An_image_chip_shows_its_local_thumbnail_and_a_refused_message_gives_its_files_back()
    {
        var composer = Render<Composer>(p => p.Add(c => c.OnSend, _ => Task.FromResult(false)));
        var id = Guid.NewGuid();
        composer.Find("#composer-input").Input("What is this?");

        await composer.InvokeAsync(() => composer.Instance.OnFileAdded("f1", "photo.png", 4096, "blob:http://web/1234"));
        await composer.InvokeAsync(() => composer.Instance.OnUploaded("f1", FileJson(id, "ready", kind: "image")));
        Assert.Equal("blob:http://web/1234", composer.Find("img.chip-thumbnail").GetAttribute("src"));

        await composer.Find("form").SubmitAsync();

        Assert.Single(composer.FindAll("li.attachment-chip"));
        Assert.Equal("What is this?", composer.Find("#composer-input").GetAttribute("value"));
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _gateway.DisposeAsync();
    }
}
