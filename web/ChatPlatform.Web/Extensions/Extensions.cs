using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Authentication.Cookies;

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

        // Service discovery resolves http://gateway (services__gateway__http__0, injected by the AppHost).
        services.AddHttpClient<GatewayAuthClient>(client => client.BaseAddress = new Uri("http://gateway"));
        services.AddHttpClient(GatewayClient.HttpClientName, client => client.BaseAddress = new Uri("http://gateway"));
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
    }
}
