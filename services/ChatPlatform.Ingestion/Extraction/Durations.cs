using System.Globalization;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>A time limit in words for failure reasons a person reads: "1 second", "90 seconds", "10 minutes".</summary>
public static class Durations
{
    public static string Describe(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 1.5 => "1 second",
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0} seconds"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.#} minutes"),
    };
}
