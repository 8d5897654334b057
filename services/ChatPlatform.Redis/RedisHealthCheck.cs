using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.Redis;

/// <summary>
/// Degraded, not unhealthy, while Redis is unreachable: the service still answers (per-instance limits, resumes from
/// PostgreSQL), so a platform must keep sending it traffic rather than take it out of rotation.
/// </summary>
public sealed class RedisHealthCheck(RedisBreaker breaker) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await breaker.RunAsync(redis => redis.GetDatabase().PingAsync());
            return HealthCheckResult.Healthy();
        }
        catch (RedisUnavailableException)
        {
            return HealthCheckResult.Degraded("Redis is unreachable: running on per-instance fallbacks.");
        }
    }
}
