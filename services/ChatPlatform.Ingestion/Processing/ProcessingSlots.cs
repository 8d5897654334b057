using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Processing;

/// <summary>The files this instance may process at once, shared by every partition's consumer.</summary>
public sealed class ProcessingSlots(IOptions<ProcessingOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.ConcurrentFiles, options.Value.ConcurrentFiles);

    /// <summary>Waits for a free slot; disposing the result frees it.</summary>
    public async Task<IDisposable> TakeAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
