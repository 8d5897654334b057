using ChatPlatform.AppHost;
using ChatPlatform.AppHost.Infrastructure;

// The dashboard shows the product's name rather than the host project's.
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, DashboardApplicationName = "ChatPlatform" })
    .WithFreeDashboardPorts();

// The stores: containers where a container engine answers, Debian's and npm's programs otherwise.
var chatdb = builder.AddPostgresDatabase("postgres", "chatdb");
var redis = builder.AddRedisServer("redis");
var blobs = builder.AddBlobStorage("blobs");
// The event log's consumers read Kafka only when the operator names one; otherwise PostgreSQL carries the events.
var kafka = builder.AddKafkaIfGiven("kafka");

// Every service but web checks (and the gateway and chat mint) internal tokens with this key.
var internalKey = builder.AddInternalKey();

var modelRouter = builder.AddService<Projects.ChatPlatform_ModelRouter>("model-router")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis)
    .WithSettings(ServiceSettings.ModelRouter)
    .WithInternalKey(internalKey);

// Billing reads the router's catalog for the prices of answers whose deployment is unknown.
var billing = builder.AddService<Projects.ChatPlatform_Billing>("billing")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(modelRouter).WaitFor(modelRouter)
    .WithOptionalReference(kafka).WithSettings(ServiceSettings.EventLog)
    .WithInternalKey(internalKey);

// Ingestion calls the router only with Embeddings:Provider=router, and retries while it starts: no need to wait for it.
var ingestion = builder.AddService<Projects.ChatPlatform_Ingestion>("ingestion")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(blobs).WaitFor(blobs)
    .WithReference(modelRouter)
    .WithOptionalReference(kafka).WithSettings(ServiceSettings.EventLog)
    .WithSettings(ServiceSettings.Ingestion)
    .WithInternalKey(internalKey);

// The gateway holds every open stream to chat: over cleartext HTTP/2 they share a few connections.
var chat = builder.AddService<Projects.ChatPlatform_Chat>("chat")
    .WithCleartextHttp2Endpoint("h2c")
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(modelRouter).WaitFor(modelRouter)
    .WithReference(ingestion).WaitFor(ingestion)
    .WithOptionalReference(kafka).WithSettings(ServiceSettings.EventLog)
    .WithSettings(ServiceSettings.Chat)
    .WithInternalKey(internalKey);

var gateway = builder.AddService<Projects.ChatPlatform_Gateway>("gateway", port: 5000)
    .WithReference(chatdb).WaitFor(chatdb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(chat).WaitFor(chat)
    .WithReference(modelRouter).WaitFor(modelRouter)
    .WithReference(ingestion).WaitFor(ingestion)
    .WithReference(billing).WaitFor(billing)
    .WithOptionalReference(kafka).WithSettings(ServiceSettings.EventLog)
    .WithSettings(ServiceSettings.Gateway)
    .WithSigningKey()
    .WithInternalKey(internalKey)
    .WithExternalHttpEndpoints();

// Blob storage holds web's data-protection key ring, shared by its replicas (session cookies survive a scale-out).
builder.AddService<Projects.ChatPlatform_Web>("web", port: 5080)
    .WithReference(blobs).WaitFor(blobs)
    .WithIconName("Chat")
    .WithReference(gateway).WaitFor(gateway)
    .WithWebClientKey(gateway)
    .WithExternalHttpEndpoints();

builder.Build().Run();
