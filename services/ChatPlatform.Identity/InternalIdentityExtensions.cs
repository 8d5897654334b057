using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Identity;

/// <summary>
/// The one internal identity of the platform. The edge (the gateway) authenticates people and mints an internal token
/// per forwarded call; every internal service checks it with the standard JwtBearer handler; a service calling another
/// mints its own (role <c>service</c>). Nothing inside trusts a plain header.
/// </summary>
public static class InternalIdentityExtensions
{
    public const string SchemeName = "Internal";

    /// <summary>Any valid internal principal: a user, an admin or a service.</summary>
    public const string CallerPolicy = "internal-caller";

    /// <summary>An admin, as the gateway authenticated them.</summary>
    public const string AdminPolicy = "internal-admin";

    /// <summary>Another service (its own token, role <c>service</c>), never a person's call forwarded by the gateway.</summary>
    public const string ServicePolicy = "internal-service";

    /// <summary>The key, checked at start-up, and <see cref="InternalTokenIssuer"/> to mint tokens with it.</summary>
    public static TBuilder AddInternalTokens<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<InternalIdentityOptions>().BindConfiguration(InternalIdentityOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InternalIdentityOptions>, InternalIdentityOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<InternalTokenIssuer>();
        builder.Services.TryAddTransient<InternalTokenHandler>();
        return builder;
    }

    /// <summary>
    /// Internal tokens as the default authentication (JwtBearer: signature, issuer, audience and lifetime checked), with
    /// <see cref="CallerPolicy"/>, <see cref="AdminPolicy"/> and <see cref="ServicePolicy"/>. Also registers <see cref="AddInternalTokens"/>.
    /// </summary>
    public static TBuilder AddInternalAuthentication<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddInternalTokens();
        builder.Services.AddAuthentication(SchemeName).AddJwtBearer(SchemeName, _ => { });
        builder.Services.TryAddScoped<CurrentUser>();
        builder.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<IOptions<InternalIdentityOptions>>((options, identity) =>
        {
            options.MapInboundClaims = false;
            // Problem details say why, without the handler's parser messages (they name internal types).
            options.IncludeErrorDetails = false;
            options.TokenValidationParameters = SignedTokenValidation.For(
                InternalIdentityOptions.Issuer, InternalIdentityOptions.Audience, identity.Value.SecurityKey, InternalClaims.Subject, InternalClaims.Role);
        });
        var caller = new AuthorizationPolicyBuilder(SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(InternalRoles.User, InternalRoles.Admin, InternalRoles.Service)
            .Build();
        // The fallback covers every endpoint that states nothing (and unknown paths): only /health and /alive are open.
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CallerPolicy, caller)
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(SchemeName).RequireRole(InternalRoles.Admin))
            .AddPolicy(ServicePolicy, policy => policy.AddAuthenticationSchemes(SchemeName).RequireRole(InternalRoles.Service))
            .SetFallbackPolicy(caller);
        return builder;
    }

    /// <summary>Calls made with this client carry a service token (see <see cref="InternalTokenHandler"/>).</summary>
    public static IHttpClientBuilder AddInternalToken(this IHttpClientBuilder client) => client.AddHttpMessageHandler<InternalTokenHandler>();
}
