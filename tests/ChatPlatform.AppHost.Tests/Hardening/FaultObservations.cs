using System.Diagnostics;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>
/// What a fault test saw, step by step: each step is timed and printed, and a step that fails is recorded rather than
/// ending the test, so one run shows the whole behaviour under the fault; <see cref="AssertAll"/> fails at the end.
/// </summary>
public sealed class FaultObservations(string fault)
{
    private readonly List<string> _failures = [];

    public async Task<T?> StepAsync<T>(string what, Func<Task<T>> step)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await step();
            HardeningPlatform.Report($"{fault}: {what}: ok in {clock.Elapsed.TotalSeconds:0.00} s");
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            var failure = $"{what}: {e.GetType().Name}: {e.Message} (after {clock.Elapsed.TotalSeconds:0.00} s)";
            HardeningPlatform.Report($"{fault}: FAILED {failure}");
            _failures.Add(failure);
            return default;
        }
    }

    public Task StepAsync(string what, Func<Task> step) => StepAsync<bool>(what, async () =>
    {
        await step();
        return true;
    });

    public void Figure(string what, TimeSpan value) => HardeningPlatform.Report($"{fault}: {what}: {value.TotalSeconds:0.00} s");

    public void Note(string what) => HardeningPlatform.Report($"{fault}: {what}");

    public void AssertAll() =>
        Assert.True(_failures.Count == 0, $"{fault}: {_failures.Count} step(s) failed:{Environment.NewLine}{string.Join(Environment.NewLine, _failures)}");
}
