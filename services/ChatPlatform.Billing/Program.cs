using ChatPlatform.Audit;
using ChatPlatform.Billing.Apis;
using ChatPlatform.Identity;

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
// Quota override changes, read by the gateway into the console's one audit log.
app.MapGroup("").RequireAuthorization(InternalIdentityExtensions.AdminPolicy).MapAdminAuditApi();

app.Run();
