using ChatPlatform.Ingestion.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseProblemDetails();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapFilesApi();
app.MapFileContextApi();
app.MapEmbeddingsApi();

app.Run();
