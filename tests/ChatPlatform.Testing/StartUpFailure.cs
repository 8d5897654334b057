using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Testing;

/// <summary>
/// The options error that stops a host's start-up. WebApplicationFactory cannot report it reliably: the application
/// disposes its host as start-up fails, and the factory, racing it, may see only an ObjectDisposedException. The
/// validator that start-up runs is wrapped instead, so the error is recorded where it is thrown.
/// </summary>
public static class StartUpFailure
{
    public static OptionsValidationException Of<TEntryPoint>(WebApplicationFactory<TEntryPoint> factory)
        where TEntryPoint : class
    {
        var recorder = new Recorder();
        using var recording = factory.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
        {
            var original = services.Last(descriptor => descriptor.ServiceType == typeof(IStartupValidator));
            services.Remove(original);
            services.AddTransient<IStartupValidator>(provider =>
                new RecordingValidator((IStartupValidator)ActivatorUtilities.CreateInstance(provider, original.ImplementationType!), recorder));
        }));

        try
        {
            recording.CreateClient().Dispose();
        }
        catch (Exception)
        {
            // Expected: start-up stops. What stopped it is what the validator recorded.
        }
        return recorder.Error as OptionsValidationException
            ?? throw new InvalidOperationException($"The host started, or stopped for another reason: {recorder.Error?.GetType().Name ?? "it started"}.");
    }

    private sealed class Recorder
    {
        private Exception? _error;

        public Exception? Error => Volatile.Read(ref _error);

        public void Record(Exception error) => Volatile.Write(ref _error, error);
    }

    private sealed class RecordingValidator(IStartupValidator inner, Recorder recorder) : IStartupValidator
    {
        public void Validate()
        {
            try
            {
                inner.Validate();
            }
            catch (Exception error)
            {
                recorder.Record(error);
                throw;
            }
        }
    }
}
