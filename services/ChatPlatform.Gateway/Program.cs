using ChatPlatform.Gateway.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.UseRequestBodyLimits();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();

app.MapAuthApi();
app.MapApiKeysApi();
app.MapMeApi();

app.Run();
