using ChatPlatform.Bench;

// dotnet run -c Release --project bench/ChatPlatform.Bench -- <redis|eventlog|apphost|router|platform|extraction|retrieval|embedding|files|ledger|quota|share|search|list|kafka|web|all>
var benchmarks = new Dictionary<string, Func<string[], Task>>
{
    ["redis"] = RedisBenchmark.RunAsync,
    ["eventlog"] = EventLogBenchmark.RunAsync,
    ["apphost"] = AppHostBenchmark.RunAsync,
    ["router"] = RouterBenchmark.RunAsync,
    ["platform"] = PlatformBenchmark.RunAsync,
    ["extraction"] = ExtractionBenchmark.RunAsync,
    ["retrieval"] = RetrievalBenchmark.RunAsync,
    ["embedding"] = RetrievalBenchmark.MeasureEmbeddingsAsync,
    ["files"] = FilesBenchmark.RunAsync,
    ["ledger"] = LedgerBenchmark.RunAsync,
    ["quota"] = QuotaBenchmark.RunAsync,
    ["share"] = ShareBenchmark.RunAsync,
    ["search"] = SearchBenchmark.RunAsync,
    ["list"] = ConversationListBenchmark.RunAsync,
    ["kafka"] = KafkaBenchmark.RunAsync,
    ["web"] = WebBenchmark.RunAsync,
};

if (args.FirstOrDefault() == BareForwarder.Command)
{
    await BareForwarder.RunAsync();
    return 0;
}

var selected = args.FirstOrDefault() ?? "all";
if (selected != "all" && !benchmarks.ContainsKey(selected))
{
    Console.Error.WriteLine($"usage: ChatPlatform.Bench [{string.Join('|', benchmarks.Keys)}|all]");
    return 2;
}
foreach (var (name, run) in benchmarks.Where(b => selected == "all" || b.Key == selected))
{
    Console.WriteLine($"== {name} ==");
    await run(args.Skip(1).ToArray());
}
return 0;
