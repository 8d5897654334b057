using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Quotas;

public static class QuotaExtensions
{
    /// <summary><see cref="QuotaOptions"/> from <c>Quotas</c> and the <see cref="QuotaGate"/>; needs <c>AddRedis</c>.</summary>
    public static IServiceCollection AddQuotas(this IServiceCollection services)
    {
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QuotaOptions>, QuotaOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<QuotaGate>();
        return services;
    }
}
