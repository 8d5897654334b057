using ChatPlatform.ModelRouter.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.MapDefaultEndpoints();

app.MapChatCompletionsApi();
app.MapModelsApi();
app.MapAdminCatalogApi();
app.MapProvidersHealthApi();

app.Run();
