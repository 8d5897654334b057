namespace ChatPlatform.Gateway.Services.Export;

public static class ExportExtensions
{
    /// <summary>The export and its sections, in the zip's order; a new kind of data adds its section here.</summary>
    public static IServiceCollection AddAccountExport(this IServiceCollection services)
    {
        services.AddSingleton<IExportSection, AccountSection>();
        services.AddSingleton<IExportSection, SettingsSection>();
        services.AddSingleton<IExportSection, ConversationsSection>();
        services.AddSingleton<IExportSection, FilesSection>();
        services.AddSingleton<IExportSection, SharesSection>();
        services.AddSingleton<IExportSection, UsageSection>();
        services.AddSingleton<AccountExport>();
        return services;
    }
}
