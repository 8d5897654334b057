using ChatPlatform.Chat.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapConversationsApi();
app.MapConversationTransferApi();
app.MapFoldersApi();
app.MapSharesApi();
app.MapSearchApi();
app.MapTurnsApi();
app.MapAdminStatsApi();
app.MapFeedbackApi();

app.Run();
