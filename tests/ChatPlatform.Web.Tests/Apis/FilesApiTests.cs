using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ChatPlatform.Testing;
using ChatPlatform.Web.Apis;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using ContentDispositionHeaderValue = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue;
using HeaderUtilities = Microsoft.Net.Http.Headers.HeaderUtilities;
using MultipartMediaType = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace ChatPlatform.Web.Tests.Apis;

/// <summary>
/// The browser's two file routes, served by the web app's own wiring of them in a real server, in front of a real HTTP
/// peer standing in for the gateway.
/// </summary>
public sealed class FilesApiTests : IAsyncLifetime
{
    private const string AccessToken = "access-token-of-the-person";
    private const long MaxUploadBytes = 256 * 1024;
    private static readonly Guid FileId = Guid.Parse("0193a000-0000-7000-8000-0000000000aa");
    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8, .. new byte[2000]];

    private readonly ConcurrentQueue<Received> _received = new();
    private LoopbackHttpServer _gateway = default!;
    private LoopbackHttpServer _web = default!;

    /// <summary>Set once the gateway has read the first bytes of an upload (to prove the web server does not wait for the rest).</summary>
    private readonly TaskCompletionSource _firstBytesArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Received(string Authorization, string? FileName, string? PartType, byte[] Sha256, long Length, string? Origin);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _gateway = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapPost("/v1/files", (HttpContext context, CancellationToken _) => ReceiveUploadAsync(context));
            app.MapGet("/v1/files/{id:guid}/content", (Guid id, HttpContext context) =>
            {
                if (id != FileId || context.Request.Headers.Authorization != $"Bearer {AccessToken}")
                {
                    return Results.Problem(statusCode: 404, detail: "This file does not exist.");
                }
                context.Response.Headers["X-Content-Type-Options"] = "nosniff";
                context.Response.Headers.ContentSecurityPolicy = "sandbox";
                context.Response.Headers["X-Internal-Detail"] = "never relayed";
                return Results.File(Pdf, "application/pdf", "report.pdf");
            });
        }, Cancellation);
        _web = await LoopbackHttpServer.StartAsync(builder =>
        {
            var services = builder.Services;
            services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
            services.AddAntiforgery();
            services.AddSingleton(TimeProvider.System);
            services.AddSingleton<SessionTokenStore>();
            services.AddSingleton<SessionRefresher>();
            services.AddHttpClient<GatewayAuthClient>(client => client.BaseAddress = _gateway.BaseAddress);
            services.AddHttpClient(GatewayFileTransfer.HttpClientName, client => client.BaseAddress = _gateway.BaseAddress);
            services.AddSingleton<GatewayFileTransfer>();
            services.AddOptions<WebClientOptions>();
            services.AddOptions<FileUploadOptions>().Configure(options => options.MaxUploadBytes = MaxUploadBytes);
        }, app =>
        {
            app.UseAuthentication();
            app.MapGet("/test/signin", (HttpContext context) => SessionCookie.SignInAsync(context,
                new AuthTokens(AccessToken, "refresh", 3600, new UserInfo(Guid.NewGuid(), "a@example.com", "user", "free")), TimeProvider.System));
            app.MapGet("/test/antiforgery", (HttpContext context, IAntiforgery antiforgery) => antiforgery.GetAndStoreTokens(context).RequestToken);
            app.MapFilesApi();
        }, Cancellation);
    }

    private async Task<IResult> ReceiveUploadAsync(HttpContext context)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MultipartMediaType.Parse(context.Request.ContentType).Boundary).Value!;
        var reader = new MultipartReader(boundary, context.Request.Body);
        var section = await reader.ReadNextSectionAsync(context.RequestAborted);
        if (section is null || !ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition?.Name.Value != "file")
        {
            return Results.Problem(statusCode: 400, detail: "Send one part named file.");
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[16 * 1024];
        long length = 0;
        int read;
        while ((read = await section.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
            _firstBytesArrived.TrySetResult();
        }
        var name = HeaderUtilities.RemoveQuotes(disposition!.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
        _received.Enqueue(new Received(
            context.Request.Headers.Authorization.ToString(), name, section.ContentType, hash.GetHashAndReset(), length, context.Request.Query["origin"]));
        if (length > 150_000)
        {
            return Results.Problem(statusCode: 413, detail: "The file is too large: documents are limited to 146 KB.");
        }
        return Results.Json(new { id = FileId, name, status = "pending", sizeBytes = length }, statusCode: 201);
    }

    /// <summary>A browser of a signed-in person: its session cookie and, unless told otherwise, the page's antiforgery token.</summary>
    private async Task<HttpClient> BrowserAsync(bool signedIn = true)
    {
        var browser = new HttpClient(new SocketsHttpHandler { UseProxy = false, CookieContainer = new CookieContainer() }) { BaseAddress = _web.BaseAddress };
        if (signedIn)
        {
            (await browser.GetAsync("/test/signin", Cancellation)).EnsureSuccessStatusCode();
        }
        var token = await browser.GetStringAsync("/test/antiforgery", Cancellation);
        browser.DefaultRequestHeaders.Add(FilesApi.AntiforgeryHeader, token);
        return browser;
    }

    private static HttpRequestMessage Upload(HttpContent body, string? name = "report.pdf", string path = "/api/files")
    {
        body.Headers.ContentType ??= new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        if (name is not null)
        {
            request.Headers.Add(FilesApi.FileNameHeader, Uri.EscapeDataString(name));
        }
        return request;
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("detail").GetString();
    }

    [Fact]
    public async Task An_upload_reaches_the_gateway_with_the_persons_token_its_bytes_and_its_name_and_answers_the_gateways_json()
    {
        using var browser = await BrowserAsync();
        const string name = "Rapport \"final\" – été\\\u202E\t../../etc/passwd.pdf";

        using var response = await browser.SendAsync(Upload(new ByteArrayContent(Pdf), name), Cancellation);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(FileId, file.GetProperty("id").GetGuid());
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        var received = Assert.Single(_received);
        Assert.Equal($"Bearer {AccessToken}", received.Authorization);
        Assert.Equal(name, received.FileName);
        Assert.Equal(Pdf.Length, received.Length);
        Assert.Equal(SHA256.HashData(Pdf), received.Sha256);
        Assert.Null(received.Origin);
    }

    [Fact]
    public async Task The_composers_origin_reaches_the_gateway_as_given_for_it_to_judge()
    {
        using var browser = await BrowserAsync();

        using var chat = await browser.SendAsync(Upload(new ByteArrayContent(Pdf), path: "/api/files?origin=chat"), Cancellation);
        using var odd = await browser.SendAsync(Upload(new ByteArrayContent(Pdf), path: "/api/files?origin=a%26b%3Dc"), Cancellation);

        Assert.Equal(HttpStatusCode.Created, chat.StatusCode);
        Assert.Equal(["chat", "a&b=c"], _received.Select(r => r.Origin));
    }

    [Fact]
    public async Task An_upload_is_relayed_as_it_arrives_not_after_the_browser_has_sent_it_all()
    {
        using var browser = await BrowserAsync();
        var pipe = new Pipe();
        var body = new StreamContent(pipe.Reader.AsStream());
        var sending = browser.SendAsync(Upload(body), HttpCompletionOption.ResponseHeadersRead, Cancellation);

        await pipe.Writer.WriteAsync(new byte[32 * 1024], Cancellation);
        // Were the body held until it was whole, the gateway would see nothing while the rest is still to come.
        await _firstBytesArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        await pipe.Writer.WriteAsync(new byte[32 * 1024], Cancellation);
        await pipe.Writer.CompleteAsync();
        using var response = await sending;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(64 * 1024, Assert.Single(_received).Length);
    }

    [Fact]
    public async Task The_gateways_refusal_comes_back_as_its_problem_details()
    {
        using var browser = await BrowserAsync();

        using var response = await browser.SendAsync(Upload(new ByteArrayContent(new byte[200_000])), Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("The file is too large: documents are limited to 146 KB.", await DetailAsync(response));
    }

    [Fact]
    public async Task A_body_over_the_configured_limit_is_refused_with_413_before_the_gateway_sees_it()
    {
        using var browser = await BrowserAsync();

        using var declared = await browser.SendAsync(Upload(new ByteArrayContent(new byte[MaxUploadBytes + 1])), Cancellation);
        // Without a length up front (chunked), the limit is found while reading.
        using var chunked = await browser.SendAsync(Upload(new StreamContent(new MemoryStream(new byte[MaxUploadBytes + 4096]))), Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("The file is too large: uploads here are limited to 0 MB.", await DetailAsync(declared));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.All(_received, r => Assert.True(r.Length <= MaxUploadBytes));
    }

    [Fact]
    public async Task Without_the_antiforgery_token_as_a_form_without_a_name_or_signed_out_an_upload_is_refused_and_nothing_is_sent()
    {
        using var browser = await BrowserAsync();
        using var noToken = new HttpRequestMessage(HttpMethod.Post, "/api/files") { Content = new ByteArrayContent(Pdf) };
        noToken.Headers.Add(FilesApi.FileNameHeader, "a.pdf");
        using var withoutToken = await new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = _web.BaseAddress }.SendAsync(noToken, Cancellation);
        using var form = await browser.SendAsync(Upload(new MultipartFormDataContent { { new ByteArrayContent(Pdf), "file", "a.pdf" } }), Cancellation);
        using var unnamed = await browser.SendAsync(Upload(new ByteArrayContent(Pdf), name: null), Cancellation);
        using var anonymous = await BrowserAsync(signedIn: false);
        using var signedOut = await anonymous.SendAsync(Upload(new ByteArrayContent(Pdf)), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Contains("security token", await DetailAsync(withoutToken));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Equal($"Name the file in the {FilesApi.FileNameHeader} header.", await DetailAsync(unnamed));
        Assert.Equal(HttpStatusCode.Unauthorized, signedOut.StatusCode);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task A_files_content_comes_back_with_its_type_and_safety_headers_and_nothing_else_of_the_gateways()
    {
        using var browser = await BrowserAsync();

        using var response = await browser.GetAsync($"/api/files/{FileId}/content", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Pdf, await response.Content.ReadAsByteArrayAsync(Cancellation));
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("sandbox", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.False(response.Headers.Contains("X-Internal-Detail"));
    }

    [Fact]
    public async Task Another_persons_or_an_unknown_file_answers_404_and_a_signed_out_browser_401()
    {
        using var browser = await BrowserAsync();
        using var anonymous = await BrowserAsync(signedIn: false);

        using var unknown = await browser.GetAsync($"/api/files/{Guid.NewGuid()}/content", Cancellation);
        using var signedOut = await anonymous.GetAsync($"/api/files/{FileId}/content", Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("This file does not exist.", await DetailAsync(unknown));
        Assert.Equal(HttpStatusCode.Unauthorized, signedOut.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _web.DisposeAsync();
        await _gateway.DisposeAsync();
    }
}
