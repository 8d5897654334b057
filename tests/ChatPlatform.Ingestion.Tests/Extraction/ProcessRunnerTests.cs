using System.Diagnostics;
using System.Globalization;
using ChatPlatform.Ingestion.Extraction;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class ProcessRunnerTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("runner-");

    [Fact]
    public async Task A_program_past_its_timeout_is_killed_with_the_processes_it_started()
    {
        await using var services = Extractors.Services();
        var runner = services.GetRequiredService<ProcessRunner>();
        var fifo = MakeFifo("child");
        var started = Stopwatch.StartNew();

        // The shell starts a child that would sleep a minute, tells its pid through a FIFO, and waits for it.
        var run = runner.RunAsync("/bin/sh", ["-c", "sleep 60 & echo $! > \"$1\"; wait", "sh", fifo], TimeSpan.FromSeconds(1), 1024,
            TestContext.Current.CancellationToken);
        var child = await ReadPidAsync(fifo);
        var error = await Assert.ThrowsAsync<ExtractionException>(() => run);

        Assert.Equal("Reading the file took too long ('sh' was stopped after 1 second).", error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
        Assert.False(IsRunning(child), $"the child {child} outlived the kill");
    }

    [Fact]
    public async Task Cancelling_kills_the_program_and_reports_cancellation()
    {
        await using var services = Extractors.Services();
        var runner = services.GetRequiredService<ProcessRunner>();
        using var cancel = new CancellationTokenSource();
        var fifo = MakeFifo("started");

        var run = runner.RunAsync("/bin/sh", ["-c", "echo $$ > \"$1\"; exec sleep 60", "sh", fifo], TimeSpan.FromMinutes(5), 1024, cancel.Token);
        var pid = await ReadPidAsync(fifo);
        Assert.True(IsRunning(pid));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(IsRunning(pid));
    }

    [Fact]
    public async Task Output_is_captured_up_to_its_bound_and_the_rest_drained()
    {
        await using var services = Extractors.Services();
        var runner = services.GetRequiredService<ProcessRunner>();

        // 1 MB of output, far past the 100 characters kept: the program must not block on a full pipe.
        var result = await runner.RunAsync("/bin/sh", ["-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo done >&2"], TimeSpan.FromSeconds(30), 100,
            TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(new string('x', 100), result.StandardOutput);
        Assert.True(result.OutputTruncated);
        Assert.Equal("done\n", result.StandardError);
    }

    [Fact]
    public async Task Arguments_reach_the_program_as_they_are_never_through_a_shell()
    {
        await using var services = Extractors.Services();
        var runner = services.GetRequiredService<ProcessRunner>();

        var result = await runner.RunAsync("/bin/echo", ["a b; rm -rf /", "$(id)", "'q'"], TimeSpan.FromSeconds(30), 1024,
            TestContext.Current.CancellationToken);

        Assert.Equal("a b; rm -rf / $(id) 'q'\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_program_is_bounded_in_memory_and_fails_past_the_bound()
    {
        // 64 MB of address space: enough for a shell, not for the 200 MB string it is asked to hold.
        await using var services = Extractors.Services(o => o.ProcessMemoryBytes = 64L * 1024 * 1024);
        var runner = services.GetRequiredService<ProcessRunner>();

        var small = await runner.RunAsync("/bin/sh", ["-c", "echo fits"], TimeSpan.FromSeconds(30), 1024, TestContext.Current.CancellationToken);
        var large = await runner.RunAsync("/bin/sh", ["-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' x); echo allocated"], TimeSpan.FromSeconds(30), 1024,
            TestContext.Current.CancellationToken);

        Assert.Equal((0, "fits\n"), (small.ExitCode, small.StandardOutput));
        Assert.NotEqual(0, large.ExitCode);
        Assert.DoesNotContain("allocated", large.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_program_under_the_memory_bound_is_the_same_clear_error()
    {
        await using var services = Extractors.Services();
        var runner = services.GetRequiredService<ProcessRunner>();

        var error = await Assert.ThrowsAsync<ExtractionException>(() =>
            runner.RunAsync("/nonexistent/pdftoppm", [], TimeSpan.FromSeconds(30), 1024, TestContext.Current.CancellationToken));

        Assert.Equal("The program '/nonexistent/pdftoppm' that reads this kind of file is not installed on the server.", error.Message);
    }

    [Fact]
    public async Task A_missing_program_is_a_clear_extraction_error()
    {
        var error = await Extractors.FailsAsync(TestFiles.RenderPng(TestFiles.TextPdf("x"), 30), MediaTypes.Png,
            o => o.TesseractPath = "/nonexistent/tesseract");

        Assert.Equal("The program '/nonexistent/tesseract' that reads this kind of file is not installed on the server.", error.Message);
    }

    [Fact]
    public async Task A_slow_OCR_program_is_stopped_at_the_process_timeout()
    {
        var fake = FakeProgram("slow-tesseract", "sleep 60");

        var error = await Extractors.FailsAsync(TestFiles.RenderPng(TestFiles.TextPdf("x"), 30), MediaTypes.Png, o =>
        {
            o.TesseractPath = fake;
            o.ProcessTimeout = TimeSpan.FromSeconds(1);
        });

        Assert.Equal("Reading the file took too long ('slow-tesseract' was stopped after 1 second).", error.Message);
    }

    [Fact]
    public async Task A_file_is_stopped_at_the_total_time_per_file()
    {
        var fake = FakeProgram("slow-tesseract", "sleep 60");

        var error = await Extractors.FailsAsync(TestFiles.RenderPng(TestFiles.TextPdf("x"), 30), MediaTypes.Png, o =>
        {
            o.TesseractPath = fake;
            o.FileTimeout = TimeSpan.FromSeconds(1);
        });

        Assert.Equal("Reading the file took longer than 1 second.", error.Message);
    }

    [Fact]
    public async Task Tesseract_runs_single_threaded_and_its_output_is_the_page_text()
    {
        // A stand-in tesseract that prints its environment's thread limit and its arguments as the "recognised" text.
        var fake = FakeProgram("fake-tesseract", "echo \"threads=$OMP_THREAD_LIMIT args=$2 $3 $4\"");

        var document = await Extractors.ExtractAsync(TestFiles.RenderPng(TestFiles.TextPdf("x"), 30), MediaTypes.Png, o => o.TesseractPath = fake);

        Assert.Equal("threads=1 args=stdout -l eng", Assert.Single(document.Pages).Text);
    }

    [Theory]
    [InlineData(0, "200")]
    [InlineData(200, "30")]
    public async Task A_huge_page_is_rendered_at_a_lower_resolution_so_no_side_passes_the_bound(double pageInches, string expectedDpi)
    {
        // Stand-ins: pdftoppm writes the resolution it was asked for where the image should be; tesseract reads it back.
        var pdftoppm = FakeProgram("fake-pdftoppm", "for last; do :; done; echo \"$2\" > \"$last.png\"");
        var tesseract = FakeProgram("fake-tesseract", "cat \"$1\"");

        var document = await Extractors.ExtractAsync(TestFiles.ScannedPdf("x", pageInches), MediaTypes.Pdf, o =>
        {
            o.PdftoppmPath = pdftoppm;
            o.TesseractPath = tesseract;
        });

        // 6,000 pixels over 200 inches is 30 dpi; an A4 page keeps the configured 200.
        var page = Assert.Single(document.Pages);
        Assert.True(page.Ocr);
        Assert.Equal(expectedDpi, page.Text);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    // Opening a FIFO to read returns once the program opens it to write: a signal that it runs, not a guess.
    private static async Task<int> ReadPidAsync(string fifo)
    {
        var text = await Task.Run(() => File.ReadAllText(fifo), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return int.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_directory.FullName, name);
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    private string FakeProgram(string name, string body)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }
        return path;
    }

    // A killed child whose parent is gone may linger as a zombie until init reaps it: that is not running.
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
