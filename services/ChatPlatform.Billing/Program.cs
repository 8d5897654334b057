using ChatPlatform.Billing.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapUsageApi();
app.MapAdminUsageApi();
app.MapAdminQuotasApi();

app.Run();
