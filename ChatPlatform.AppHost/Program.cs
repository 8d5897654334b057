var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var chatdb = postgres.AddDatabase("chatdb");
var redis = builder.AddRedis("redis");
var files = builder.AddBlobFolder("files");

var modelRouter = builder.AddProject<Projects.ChatPlatform_ModelRouter>("model-router")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis);

var billing = builder.AddProject<Projects.ChatPlatform_Billing>("billing")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis);

var ingestion = builder.AddProject<Projects.ChatPlatform_Ingestion>("ingestion")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(files).WaitFor(files);

// The gateway holds every open stream to chat: over cleartext HTTP/2 they share a few connections.
var chat = builder.AddProject<Projects.ChatPlatform_Chat>("chat")
    .WithHttp2Endpoint()
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(modelRouter).WaitFor(modelRouter)
    .WithReference(ingestion).WaitFor(ingestion);

var gateway = builder.AddProject<Projects.ChatPlatform_Gateway>("gateway")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(chat).WaitFor(chat)
    .WithReference(modelRouter).WaitFor(modelRouter)
    .WithReference(ingestion).WaitFor(ingestion)
    .WithReference(billing).WaitFor(billing)
    .WithHttpEndpoint(port: 5000)
    .WithExternalHttpEndpoints();

builder.AddProject<Projects.ChatPlatform_Web>("web")
    .WithReference(gateway).WaitFor(gateway)
    .WithHttpEndpoint(port: 5080)
    .WithExternalHttpEndpoints();

builder.Build().Run();
