using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Http.Resilience;

namespace ChatPlatform.Web.Extensions;

public static class Extensions
{
    /// <summary>How long the gateway may take to start answering a turn (its stream then runs as long as it needs).</summary>
    private static readonly TimeSpan TimeToStreamHeaders = TimeSpan.FromSeconds(30);

    private const long MaxCircuitMessageBytes = 2 * 1024 * 1024;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // The composer sends its text with every keystroke (twice: the event's value and the field's), up to
        // MessageLimits.MaxContentLength (100,000 UTF-16 units); SignalR's default of 32 KB closed the circuit at about
        // 16,000 characters. 2 MB holds the longest message even with every character escaped in JSON (6 bytes each);
        // a longer text is never sent (ChatPlatform.Web.lib.module.js).
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(options => options.MaximumReceiveMessageSize = MaxCircuitMessageBytes);
        builder.AddSharedDataProtection();
        services.AddCascadingAuthenticationState();
        services.AddAuthorization();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "chat.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/signin";
                // A signed-in person without a page's role (the admin console) is told so, not sent to sign in again.
                options.AccessDeniedPath = "/forbidden";
                options.LogoutPath = "/account/signout";
                options.ExpireTimeSpan = TimeSpan.FromDays(30);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = SessionCookie.ValidateAsync;
            });

        services.AddOptions<WebClientOptions>().BindConfiguration(WebClientOptions.SectionName).ValidateOnStart();
        services.AddOptions<FileUploadOptions>().BindConfiguration(FileUploadOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SessionTokenStore>();
        services.AddSingleton<SessionRefresher>();
        services.AddSingleton<MarkdownRenderer>();
        services.AddScoped<UserSession>();
        services.AddScoped<GatewayClient>();
        services.AddScoped<ConversationFeedback>();
        services.AddScoped<SharedConversationReader>();
        services.AddSingleton<GatewayFileTransfer>();

        services.AddGatewayClients();
    }

    /// <summary>The HTTP clients of the gateway: service discovery resolves http://gateway (services__gateway__http__0, injected by the AppHost).</summary>
    public static IServiceCollection AddGatewayClients(this IServiceCollection services)
    {
        services.AddHttpClient<GatewayAuthClient>(client => client.BaseAddress = new Uri("http://gateway")).PassTooManyRequestsThrough();
        services.AddHttpClient(GatewayClient.HttpClientName, client => client.BaseAddress = new Uri("http://gateway")).PassTooManyRequestsThrough();
        services.AddHttpClient(GatewayClient.StreamingHttpClientName, client => client.BaseAddress = new Uri("http://gateway"))
            .AddStreamingResilienceHandler(TimeToStreamHeaders);
        // A streamed upload cannot be sent twice, and a large one on a slow link takes longer than any fixed timeout:
        // the browser's own request bounds it (it is cancelled when the browser goes away).
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to drop the defaults' handler for one client.
        services.AddHttpClient(GatewayFileTransfer.HttpClientName, client =>
            {
                client.BaseAddress = new Uri("http://gateway");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return services;
    }

    /// <summary>
    /// A 429 is the gateway's answer about one person (their rate limit or quota), not a failure of the gateway. The
    /// standard pipeline retried it after its Retry-After (the page hung up to the 30 s total timeout, then said the
    /// service was unreachable) and counted it as a failure of the circuit every person's calls share (one person over
    /// their limit could open it for everyone). Now it is answered at once and never counted.
    /// </summary>
    private static IHttpClientBuilder PassTooManyRequestsThrough(this IHttpClientBuilder builder)
    {
        // The service defaults' standard handler, replaced by the same one with this one change.
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to replace the defaults' handler for one client.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddStandardResilienceHandler(options =>
        {
            options.Retry.DisableForUnsafeHttpMethods();
            var retry = options.Retry.ShouldHandle;
            options.Retry.ShouldHandle = args => IsTooManyRequests(args.Outcome) ? ValueTask.FromResult(false) : retry(args);
            var breaker = options.CircuitBreaker.ShouldHandle;
            options.CircuitBreaker.ShouldHandle = args => IsTooManyRequests(args.Outcome) ? ValueTask.FromResult(false) : breaker(args);
        });
        return builder;
    }

    private static bool IsTooManyRequests(Polly.Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode == System.Net.HttpStatusCode.TooManyRequests;
}
