using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;
using ChatPlatform.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Quotas;

/// <summary>
/// Quotas in Redis (docs/usage.md "Quotas"). Before a request starts, <see cref="ReserveAsync"/> holds its worst case
/// under each window with a limit, in one script, so concurrent requests see each other's holds and together never
/// pass a limit; billing settles each answer (<see cref="SettleAsync"/>) to its real tokens and cost. Money is counted
/// in whole micro-dollars (rounded up), so that every figure is an exact integer in Redis and in Lua.
/// Redis unreachable: requests go ahead unchecked (fail open, logged, <c>chatplatform.quota.unchecked</c>), as the
/// rate limiter does; the ledger still records everything, and the counters are rebuilt from it.
/// </summary>
public sealed partial class QuotaGate
{
    public const string MeterName = "ChatPlatform.Quotas";

    /// <summary>A settled event is remembered this long: redeliveries come within seconds, replays are of days at most.</summary>
    public static TimeSpan SettledMemory { get; } = TimeSpan.FromDays(35);

    private static readonly LuaScript ReserveScript = Load("reserve.lua");
    private static readonly LuaScript ReleaseScript = Load("release.lua");
    private static readonly LuaScript RaiseScript = Load("raise.lua");
    private static readonly LuaScript SettleScript = Load("settle.lua");

    private readonly RedisBreaker _redis;
    private readonly IOptionsMonitor<QuotaOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long> _unchecked;
    private readonly Counter<long> _refused;

    public QuotaGate(RedisBreaker redis, IOptionsMonitor<QuotaOptions> options, TimeProvider time, ILogger<QuotaGate> logger, IMeterFactory? meters = null)
    {
        _redis = redis;
        _options = options;
        _time = time;
        _logger = logger;
        var meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _unchecked = meter.CreateCounter<long>("chatplatform.quota.unchecked", description: "Requests let through without a quota check because Redis could not be reached");
        _refused = meter.CreateCounter<long>("chatplatform.quota.refused", description: "Requests refused by a quota");
    }

    public QuotaOptions Options => _options.CurrentValue;

    /// <summary>A hold's id (32 hex digits): what <c>usage.recorded</c> carries as <c>reservationId</c>.</summary>
    public static string NewReservationId() => Guid.NewGuid().ToString("N");

    /// <summary>Whole micro-dollars, rounded up: a hold or a count never under-states a cost.</summary>
    public static long Micro(decimal usd) => (long)Math.Ceiling(usd * 1_000_000m);

    public static decimal FromMicro(long micro) => micro / 1_000_000m;

    /// <summary>
    /// Holds the request's worst case under every window of the user (day, month) and of the model (day, month) that
    /// has a limit, and counts a request against the model's per-minute rate when the tier has one; or refuses, naming
    /// the first quota that would be exceeded (nothing held then). <paramref name="reservationId"/>, from
    /// <see cref="NewReservationId"/>, lets a caller store the hold's id with its request before it is made (a new one when null).
    /// </summary>
    public async Task<ReserveResult> ReserveAsync(
        Guid userId, string? tier, string modelId, long worstCaseTokens, decimal worstCaseCostUsd, string? reservationId = null)
    {
        var options = _options.CurrentValue;
        if (!options.Enabled)
        {
            return new ReserveResult.Reserved(null);
        }
        var quotas = options.For(tier);
        quotas.Models.TryGetValue(modelId, out var model);
        var now = _time.GetUtcNow();
        var windows = QuotaWindow.For(userId, modelId, now);
        var id = reservationId ?? NewReservationId();
        var tokens = Math.Max(0, worstCaseTokens);
        var cost = Micro(Math.Max(0, worstCaseCostUsd));
        var prefix = QuotaWindow.UserPrefix(userId);

        var keys = new List<RedisKey> { prefix + ":overrides", ReservationKey(userId, id), $"{prefix}:rpm:{modelId}" };
        var args = new List<RedisValue>
        {
            now.ToUnixTimeMilliseconds(), (now + options.HoldDuration).ToUnixTimeMilliseconds(),
            $"{id}|{tokens.ToString(CultureInfo.InvariantCulture)}|{cost.ToString(CultureInfo.InvariantCulture)}",
            tokens, cost, (long)(options.HoldDuration + TimeSpan.FromMinutes(5)).TotalMilliseconds,
            model?.RequestsPerMinute ?? -1, 60_000,
        };
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            var limits = i switch
            {
                0 => quotas.Daily,
                1 => quotas.Monthly,
                2 => model?.Daily,
                _ => model?.Monthly,
            };
            keys.Add(w.Key);
            keys.Add(w.HoldsKey);
            args.Add(limits?.Tokens ?? -1);
            args.Add(limits?.CostUsd is { } c ? Micro(c) : -1);
            // Only the user's own day and month windows can be overridden per user.
            args.Add(i switch { 0 => "d", 1 => "m", _ => "" });
            args.Add((long)w.TimeToLive(now).TotalMilliseconds);
        }

        RedisResult result;
        try
        {
            result = await _redis.RunAsync(redis => redis.GetDatabase().ScriptEvaluateAsync(ReserveScript.ExecutableScript, [.. keys], [.. args]));
        }
        catch (RedisUnavailableException e)
        {
            _unchecked.Add(1);
            LogUnchecked(_logger, userId, modelId, e.Message);
            return new ReserveResult.Reserved(null);
        }
        var parts = (RedisResult[])result!;
        if ((long)parts[0] == 1)
        {
            return new ReserveResult.Reserved(id);
        }
        var window = (int)(long)parts[1];
        var kind = (string)parts[2]!;
        var limit = (long)parts[3];
        var used = (long)parts[4];
        QuotaRefusal refusal;
        if (kind == "requests")
        {
            var resetsAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)parts[5]!, CultureInfo.InvariantCulture));
            refusal = new QuotaRefusal(QuotaRefusal.RequestsQuota, modelId, "requests", limit, used, resetsAt);
        }
        else
        {
            var w = windows[window - 1];
            var unit = kind == "cost" ? QuotaUnits.Usd : QuotaUnits.Tokens;
            refusal = unit == QuotaUnits.Usd
                ? new QuotaRefusal(w.QuotaName(unit), w.Model, unit, FromMicro(limit), FromMicro(used), w.ResetsAt)
                : new QuotaRefusal(w.QuotaName(unit), w.Model, unit, limit, used, w.ResetsAt);
        }
        _refused.Add(1, new KeyValuePair<string, object?>("quota", refusal.Quota));
        LogRefused(_logger, userId, refusal.Quota, modelId);
        return new ReserveResult.Refused(refusal);
    }

    /// <summary>Frees a hold whose request never started or ended without an answer to settle; twice frees it once.</summary>
    public async Task ReleaseAsync(Guid userId, string? reservationId)
    {
        if (reservationId is null)
        {
            return;
        }
        try
        {
            await _redis.RunAsync(redis => redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript.ExecutableScript, [ReservationKey(userId, reservationId)]));
        }
        catch (RedisUnavailableException e)
        {
            // The hold lapses by itself after HoldDuration.
            LogReleaseFailed(_logger, userId, e.Message);
        }
    }

    /// <summary>
    /// Raises the hold <paramref name="reservationId"/> to at least <paramref name="tokens"/> and <paramref name="costUsd"/>
    /// under every window it holds, without a check: for a request whose worst case was known exactly only after it was
    /// admitted on an estimate (a turn whose history grew between the read it was checked on and its write). A hold
    /// released or settled meanwhile stays gone; Redis unreachable leaves the hold as it was (logged).
    /// </summary>
    public async Task RaiseAsync(Guid userId, string? reservationId, long tokens, decimal costUsd)
    {
        if (reservationId is null)
        {
            return;
        }
        try
        {
            await _redis.RunAsync(redis => redis.GetDatabase().ScriptEvaluateAsync(RaiseScript.ExecutableScript,
                [ReservationKey(userId, reservationId)], [Math.Max(0, tokens), Micro(Math.Max(0, costUsd))]));
        }
        catch (RedisUnavailableException e)
        {
            LogRaiseFailed(_logger, userId, e.Message);
        }
    }

    /// <summary>
    /// Settles one recorded answer (once per <paramref name="eventId"/>): frees its hold and adds its real tokens and
    /// cost to the used counters of the windows of <paramref name="occurredAt"/>. Returns the windows whose counters
    /// were missing (to be set from the ledger with <see cref="SetUsedAsync"/>), or null when the event was settled before.
    /// Throws <see cref="RedisUnavailableException"/>: the caller decides whether to retry.
    /// </summary>
    public async Task<IReadOnlyList<QuotaWindow>?> SettleAsync(
        Guid userId, string? reservationId, Guid eventId, string modelId, long tokens, decimal costUsd, DateTimeOffset occurredAt)
    {
        var now = _time.GetUtcNow();
        var windows = QuotaWindow.For(userId, modelId, occurredAt);
        var prefix = QuotaWindow.UserPrefix(userId);
        RedisKey[] keys =
        [
            reservationId is null ? prefix + ":res:none" : ReservationKey(userId, reservationId),
            $"{prefix}:settled:{eventId:N}",
            .. windows.Select(w => (RedisKey)w.Key),
        ];
        RedisValue[] args =
        [
            Math.Max(0, tokens), Micro(Math.Max(0, costUsd)), (long)SettledMemory.TotalMilliseconds,
            .. windows.Select(w => (RedisValue)Math.Max(1L, (long)w.TimeToLive(now).TotalMilliseconds)),
        ];
        var result = await _redis.RunAsync(redis => redis.GetDatabase().ScriptEvaluateAsync(SettleScript.ExecutableScript, keys, args));
        if (result.Resp2Type == ResultType.Integer)
        {
            return null;
        }
        return [.. ((RedisResult[])result!).Select(r => windows[(int)(long)r - 1])];
    }

    /// <summary>
    /// Sets a window's used counters from the ledger. <paramref name="onlyIfMissing"/>: a rebuild at start must not
    /// overwrite counters Redis kept (they may already include answers settled since the ledger was read).
    /// </summary>
    public Task SetUsedAsync(QuotaWindow window, long tokens, decimal costUsd, bool onlyIfMissing)
    {
        var ttl = window.TimeToLive(_time.GetUtcNow());
        if (ttl <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }
        return _redis.RunAsync(async redis =>
        {
            var db = redis.GetDatabase();
            var micro = Micro(costUsd);
            if (onlyIfMissing)
            {
                var batch = db.CreateTransaction();
                _ = batch.HashSetAsync(window.Key, "t", tokens, When.NotExists);
                _ = batch.HashSetAsync(window.Key, "c", micro, When.NotExists);
                _ = batch.KeyExpireAsync(window.Key, ttl);
                await batch.ExecuteAsync();
            }
            else
            {
                await db.HashSetAsync(window.Key, [new("t", tokens), new("c", micro)]);
                await db.KeyExpireAsync(window.Key, ttl);
            }
        });
    }

    /// <summary>The tokens and cost held by open (unexpired) reservations under <paramref name="window"/>.</summary>
    public async Task<(long Tokens, decimal CostUsd)> HeldAsync(QuotaWindow window)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var members = await _redis.RunAsync(redis => redis.GetDatabase().SortedSetRangeByScoreAsync(window.HoldsKey, now, double.PositiveInfinity, Exclude.Start));
        long tokens = 0, micro = 0;
        foreach (var member in members)
        {
            var parts = member.ToString().Split('|');
            tokens += long.Parse(parts[1], CultureInfo.InvariantCulture);
            micro += long.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        return (tokens, FromMicro(micro));
    }

    /// <summary>Mirrors a user's overrides (billing keeps them in PostgreSQL) where the check reads them.</summary>
    public Task SetOverridesAsync(Guid userId, QuotaOverrides overrides) => _redis.RunAsync(async redis =>
    {
        var key = QuotaWindow.UserPrefix(userId) + ":overrides";
        var fields = new List<HashEntry>();
        Add(fields, "dt", overrides.Daily.Tokens);
        Add(fields, "dc", overrides.Daily.CostUsd is { } dc ? Micro(dc) : null);
        Add(fields, "mt", overrides.Monthly.Tokens);
        Add(fields, "mc", overrides.Monthly.CostUsd is { } mc ? Micro(mc) : null);
        var batch = redis.GetDatabase().CreateTransaction();
        _ = batch.KeyDeleteAsync(key);
        if (fields.Count > 0)
        {
            _ = batch.HashSetAsync(key, [.. fields]);
        }
        await batch.ExecuteAsync();
    });

    private static void Add(List<HashEntry> fields, string name, long? value)
    {
        if (value is { } v)
        {
            fields.Add(new HashEntry(name, v));
        }
    }

    private static RedisKey ReservationKey(Guid userId, string reservationId) => $"{QuotaWindow.UserPrefix(userId)}:res:{reservationId}";

    private static LuaScript Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"ChatPlatform.Quotas.Scripts.{name}")
            ?? throw new InvalidOperationException($"The script {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return LuaScript.Prepare(reader.ReadToEnd());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota not checked for user {UserId} on {Model}: {Reason} (failing open)")]
    private static partial void LogUnchecked(ILogger logger, Guid userId, string model, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} refused by quota {Quota} on {Model}")]
    private static partial void LogRefused(ILogger logger, Guid userId, string quota, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A hold of user {UserId} could not be raised to its turn's worst case ({Reason})")]
    private static partial void LogRaiseFailed(ILogger logger, Guid userId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A hold of user {UserId} was not released ({Reason}); it lapses by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Guid userId, string reason);
}
