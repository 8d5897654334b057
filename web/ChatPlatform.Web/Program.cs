using ChatPlatform.Web.Apis;
using ChatPlatform.Web.Components;
using ChatPlatform.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
}
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapDefaultEndpoints();
app.MapStaticAssets();
app.MapAccountApi();
app.MapFilesApi();
app.MapTransferApi();
app.MapAdminApi();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();
