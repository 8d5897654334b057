using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using ChatPlatform.Gateway.Services.Export;
using ChatPlatform.Audit;
using ChatPlatform.EventLog;
using ChatPlatform.Identity;
using ChatPlatform.Postgres;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Extensions;

internal static partial class Extensions
{
    private const string JwtOrApiKey = "JwtOrApiKey";
    private const string WebSocketPath = "/v1/ws";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddInternalTokens();
        builder.AddChatDatabase("identity", typeof(Program).Assembly);
        builder.AddRedis("redis");
        builder.AddAccounts();
        builder.AddRateLimits();
        builder.AddUpstreams();
        builder.Services.AddOptions<FileForwardingOptions>().BindConfiguration(FileForwardingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.AddEventLog();
        // First, so it is chosen before the default writer on the OpenAI-compatible routes.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, OpenAIErrorWriter>());
        builder.Services.AddSingleton<UsageEventWriter>();
        builder.Services.AddSingleton<AdminMetricsSources>();
        builder.Services.AddQuotas();
        builder.Services.AddSingleton<CompletionQuotas>();
        builder.Services.AddSingleton<ChatCompletionsRelay>();
    }

    private static void AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        builder.Services.AddSingleton<SlidingWindowStore>();
        builder.Services.AddSingleton<LocalSlidingWindows>();
        builder.Services.AddSingleton<UserRateLimiter>();
        builder.Services.AddSingleton<SharedReadLimiter>();
        builder.Services.AddHostedService<RedisWarmUp>();
    }

    /// <summary>Counts each authenticated call against its user's limits; after authorization.</summary>
    public static WebApplication UseUserRateLimits(this WebApplication app)
    {
        app.UseMiddleware<UserRateLimitMiddleware>();
        return app;
    }

    /// <summary>Holds admins without two-factor to enrolling it, when Auth:RequireTwoFactorForAdmins is on; after authentication.</summary>
    public static WebApplication UseTwoFactorEnrolmentGate(this WebApplication app)
    {
        app.UseMiddleware<TwoFactorEnrolmentGate>();
        return app;
    }

    private static void AddAccounts(this IHostApplicationBuilder builder)
    {
        // Validated on start, so a missing or weak signing key stops start-up outside Development.
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .PostConfigure<IHostEnvironment>((options, environment) => options.Complete(environment))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<RefreshTokenStore>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddSingleton<AccessTokenDenyList>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<AccountService>();
        builder.Services.AddSingleton<TwoFactorStore>();
        builder.Services.AddSingleton<TwoFactorSecretProtector>();
        builder.Services.AddSingleton<TwoFactorChallenges>();
        builder.Services.AddSingleton<TwoFactorService>();
        builder.Services.AddSingleton<ApiKeyService>();
        builder.Services.AddSingleton<AccountDeletionStore>();
        builder.Services.AddSingleton<AccountDeletion>();
        builder.Services.AddSingleton<UserSettingsStore>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<AccountSessions>();
        builder.Services.AddSingleton<PasswordChange>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddHostedService<SigningKeyWarning>();

        builder.Services.AddSingleton<ExternalLoginStore>();

        // The admin console's accounts and the merged audit log; account changes are audited in identity.admin_audit.
        builder.Services.AddSingleton(services => new AdminAuditLog(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), UserStore.Schema));
        builder.Services.AddSingleton<AdminUserStore>();
        builder.Services.AddSingleton<AdminUserService>();
        builder.Services.AddSingleton<AdminAuditReader>();
        builder.Services.AddAccountExport();

        // The external issuer's scheme is always registered and only ever chosen when Auth:Oidc is configured: which
        // schemes exist cannot wait for the options, which are read when the host has been built.
        builder.Services.AddAuthentication(JwtOrApiKey)
            .AddPolicyScheme(JwtOrApiKey, "JWT or API key", _ => { })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer()
            .AddJwtBearer(ExternalIssuerOptions.SchemeName, _ => { });
        // Picks the scheme by what the request carries: API keys start with "cp_"; a JWT is ours unless the external
        // issuer (when configured) issued it.
        builder.Services.AddOptions<PolicySchemeOptions>(JwtOrApiKey).Configure<IOptions<AuthOptions>>((options, auth) =>
        {
            var external = auth.Value.Oidc;
            options.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.HasKey(context.Request) ? ApiKeyAuthenticationHandler.SchemeName
                : external.IsConfigured && external.Issued(BearerTokenIssuer(context.Request)) ? ExternalIssuerOptions.SchemeName
                : JwtBearerDefaults.AuthenticationScheme;
        });
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((options, auth) =>
        {
            var settings = auth.Value;
            options.MapInboundClaims = false;
            // WWW-Authenticate says invalid_token, never the handler's IDX... exception text.
            options.IncludeErrorDetails = false;
            options.TokenValidationParameters = SignedTokenValidation.For(
                settings.Issuer, settings.Audience, settings.SecurityKey, GatewayClaims.Subject, GatewayClaims.Role);
            options.Events = new JwtBearerEvents
            {
                OnMessageReceived = ReadWebSocketToken,
                OnTokenValidated = AccessTokenDenyList.OnTokenValidatedAsync,
            };
        });
        builder.Services.AddOptions<JwtBearerOptions>(ExternalIssuerOptions.SchemeName).Configure<IOptions<AuthOptions>>((options, auth) =>
        {
            if (auth.Value.Oidc is not { IsConfigured: true } issuer)
            {
                return;
            }
            options.MapInboundClaims = false;
            options.IncludeErrorDetails = false;
            options.Authority = issuer.Authority!.ToString();
            options.Audience = issuer.Audience;
            options.RequireHttpsMetadata = issuer.RequireHttpsMetadata;
            options.TokenValidationParameters.ValidateIssuer = true;
            options.TokenValidationParameters.ValidateAudience = true;
            options.TokenValidationParameters.RequireExpirationTime = true;
            options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            options.Events = new JwtBearerEvents
            {
                OnMessageReceived = ReadWebSocketToken,
                OnTokenValidated = ExternalSignIn.OnTokenValidatedAsync,
            };
        });
        builder.Services.AddAuthorization();
    }

    // Browsers cannot set headers on a WebSocket: /v1/ws also takes the access token in the query.
    private static Task ReadWebSocketToken(MessageReceivedContext context)
    {
        if (WebSocketQueryToken(context.Request) is { } token)
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    private static string? WebSocketQueryToken(HttpRequest request) =>
        request.Path == WebSocketPath && string.IsNullOrEmpty(request.Headers.Authorization)
            && request.Query["access_token"].ToString() is { Length: > 0 } token ? token : null;

    /// <summary>The unverified <c>iss</c> of the request's bearer token, only to choose who verifies it.</summary>
    private static string? BearerTokenIssuer(HttpRequest request)
    {
        var token = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : WebSocketQueryToken(request);
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        return token is not null && handler.CanReadToken(token) ? handler.ReadJsonWebToken(token).Issuer : null;
    }

    /// <summary>Rejects bodies over the endpoint's <see cref="RequestSizeLimitMetadata"/> before they are read.</summary>
    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is { MaxRequestBodySize: { } limit })
            {
                if (context.Request.ContentLength > limit)
                {
                    throw new BadHttpRequestException($"The request body is larger than the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
                }
                if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                {
                    feature.MaxRequestBodySize = limit;
                }
                else
                {
                    // Servers without the feature (the in-memory test server, some proxies' hosts) still get the limit.
                    context.Request.Body = new BodyLimitStream(context.Request.Body, limit);
                }
            }
            return next(context);
        });
        return app;
    }

    private sealed partial class SigningKeyWarning(IOptions<AuthOptions> options, ILogger<SigningKeyWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.GeneratedSigningKey)
            {
                LogGeneratedKey(logger);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:SigningKey is not configured; generated a key for this Development run. Tokens stop working when the process restarts.")]
        private static partial void LogGeneratedKey(ILogger logger);
    }
}

/// <summary>Reads through to the request body and fails with 413 once more than the limit has been read.</summary>
internal sealed class BodyLimitStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        return _read > limit
            ? throw new BadHttpRequestException($"The request body is larger than the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge)
            : read;
    }
}

/// <summary>A request-size limit as endpoint metadata, read by <see cref="Extensions.UseRequestBodyLimits"/>.</summary>
internal sealed record RequestSizeLimitMetadata(long? MaxRequestBodySize) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata;
