using System.Runtime.InteropServices;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>
/// Ctrl+C, SIGTERM and SIGHUP ask for an orderly stop; a second Ctrl+C while stopping kills the host at once
/// (the next start then stops what it left running).
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private int _signalled;

    public ShutdownSignals(CancellationTokenSource shutdown, ConsoleLog console)
    {
        _registrations =
        [
            .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(signal => PosixSignalRegistration.Create(signal, context =>
            {
                if (Interlocked.Increment(ref _signalled) > 1 && context.Signal == PosixSignal.SIGINT)
                {
                    return; // not cancelled: the runtime ends the process
                }
                context.Cancel = true;
                if (_signalled == 1)
                {
                    console.Info($"{context.Signal}: stopping every resource (Ctrl+C again to kill the host now)");
                    _ = Task.Run(shutdown.Cancel);
                }
            })),
        ];
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
