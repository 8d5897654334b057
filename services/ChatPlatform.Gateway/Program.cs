using ChatPlatform.Gateway.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.UseRequestBodyLimits();
app.UseAuthentication();
app.UseAuthorization();
app.UseTwoFactorEnrolmentGate();
app.UseUserRateLimits();
app.UseWebSockets();
app.MapDefaultEndpoints();

app.MapAuthApi();
app.MapApiKeysApi();
app.MapMeApi();
app.MapTwoFactorApi();
app.MapSettingsApi();
app.MapSessionsApi();
app.MapExportApi();
app.MapAdminUsersApi();
app.MapAdminAuditApi();
app.MapForwardingApi();
app.MapSharedApi();
app.MapAdminMetricsApi();
app.MapChatCompletionsApi();
app.MapWebSocketApi();

app.Run();
