using ChatPlatform.Audit;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();

// The OpenAI-compatible routes serve any internal caller (a user through the gateway, or a service); the admin API
// only admins, on every port, not only through the gateway.
var callers = app.MapGroup("").RequireAuthorization(InternalIdentityExtensions.CallerPolicy);
callers.MapChatCompletionsApi();
callers.MapEmbeddingsApi();
callers.MapModelsApi();

var admins = app.MapGroup("").RequireAuthorization(InternalIdentityExtensions.AdminPolicy);
admins.MapAdminCatalogApi();
admins.MapProvidersHealthApi();
admins.MapAdminAuditApi();

app.Run();
