using ChatPlatform.Redis;
using ChatPlatform.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace ChatPlatform.Quotas.Tests;

/// <summary>The gate against a real redis-server; each test is a user of its own, so tests share the server.</summary>
public sealed class QuotaGateTests(RedisFixture redis) : IDisposable
{
    private const string Model = "gpt-test";

    private readonly ConnectionMultiplexer _connection = RedisConnection.Connect(redis.ConnectionString);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 23, 50, 0, TimeSpan.Zero));
    private readonly QuotaOptions _options = new();
    private readonly Guid _user = Guid.NewGuid();

    public void Dispose() => _connection.Dispose();

    private QuotaGate Gate() => new(new RedisBreaker(_connection, _time), new FixedOptions(_options), _time, NullLogger<QuotaGate>.Instance);

    private void Tier(Action<TierQuotaOptions> configure)
    {
        var tier = new TierQuotaOptions();
        configure(tier);
        _options.Tiers["test"] = tier;
    }

    [Fact]
    public async Task Many_concurrent_reservations_against_a_small_limit_hold_exactly_what_fits()
    {
        Tier(t => t.Daily.Tokens = 1_000);
        var gate = Gate();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => gate.ReserveAsync(_user, "test", Model, 30, 0.01m)));

        // 33 x 30 = 990 fits, a 34th would pass 1,000: none overspends, even by one reservation.
        Assert.Equal(33, results.Count(r => r is ReserveResult.Reserved { ReservationId: not null }));
        var refused = results.OfType<ReserveResult.Refused>().ToList();
        Assert.Equal(167, refused.Count);
        Assert.All(refused, r => Assert.Equal("daily-tokens", r.Quota.Quota));
        var held = await gate.HeldAsync(QuotaWindow.For(_user, Model, _time.GetUtcNow())[0]);
        Assert.Equal(990, held.Tokens);
    }

    [Fact]
    public async Task A_hold_taken_under_a_callers_id_is_freed_by_that_id()
    {
        Tier(t => t.Daily.Tokens = 1_000);
        var gate = Gate();
        var id = QuotaGate.NewReservationId();

        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 600, 0.01m, id));
        Assert.Equal(id, reserved.ReservationId);
        Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 600, 0.01m));
        await gate.ReleaseAsync(_user, id);

        Assert.Equal(0, (await gate.HeldAsync(QuotaWindow.For(_user, Model, _time.GetUtcNow())[0])).Tokens);
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 600, 0.01m));
    }

    [Fact]
    public async Task Quotas_turned_off_check_and_hold_nothing()
    {
        Tier(t => t.Daily.Tokens = 0);
        _options.Enabled = false;
        var gate = Gate();

        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 600, 0.01m));

        Assert.Null(reserved.ReservationId);
        Assert.Empty(await _connection.GetServer(_connection.GetEndPoints()[0]).KeysAsync(pattern: $"quota:{{{_user:N}}}*").ToListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_used_up_daily_quota_refuses_until_the_next_utc_day_and_says_when()
    {
        Tier(t => t.Daily.CostUsd = 1m);
        var gate = Gate();
        var first = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 100, 0.5m));
        await Settle(gate, 100, 1m, reservationId: first.ReservationId);

        var refused = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 10, 0.01m));
        Assert.Equal("daily-cost", refused.Quota.Quota);
        Assert.Null(refused.Quota.Model);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), refused.Quota.ResetsAt);
        Assert.Equal(600, refused.Quota.RetryAfterSeconds(_time.GetUtcNow()));
        Assert.Equal("You have used your daily cost quota of $1.00. It resets at 00:00 UTC.", refused.Quota.Detail(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 10, 0.01m));
    }

    [Fact]
    public async Task A_monthly_quota_counts_across_days_and_a_model_quota_only_its_model()
    {
        Tier(t =>
        {
            t.Monthly.Tokens = 250;
            t.Models[Model] = new ModelQuotaOptions { Daily = { Tokens = 100 } };
        });
        var gate = Gate();
        await Settle(gate, 100, 0m);

        var model = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 1, 0m));
        Assert.Equal("model-daily-tokens", model.Quota.Quota);
        Assert.Equal(Model, model.Quota.Model);
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", "other", 100, 0m));

        _time.Advance(TimeSpan.FromHours(1));
        await Settle(gate, 100, 0m, "other");
        var monthly = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 100, 0m));
        Assert.Equal("monthly-tokens", monthly.Quota.Quota);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), monthly.Quota.ResetsAt);
    }

    [Fact]
    public async Task A_users_override_takes_the_place_of_the_tiers_limit_and_null_gives_it_back()
    {
        Tier(t => t.Daily.Tokens = 1_000);
        var gate = Gate();
        await gate.SetOverridesAsync(_user, new QuotaOverrides(new QuotaLimit(50, null), QuotaLimit.None));

        var refused = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 60, 0m));
        Assert.Equal(50, refused.Quota.Limit);
        await gate.SetOverridesAsync(_user, new QuotaOverrides(new QuotaLimit(5_000, null), QuotaLimit.None));
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 2_000, 0m));
        await gate.SetOverridesAsync(_user, QuotaOverrides.None);

        Assert.Equal(1_000, Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 60, 0m)).Quota.Limit);
    }

    [Fact]
    public async Task An_unsettled_hold_lapses_after_the_hold_duration()
    {
        Tier(t => t.Daily.Tokens = 100);
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
        var gate = Gate();
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 100, 0m));
        Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 1, 0m));

        _time.Advance(_options.HoldDuration + TimeSpan.FromSeconds(1));

        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 100, 0m));
        Assert.Equal(100, (await gate.HeldAsync(QuotaWindow.For(_user, Model, _time.GetUtcNow())[0])).Tokens);
    }

    [Fact]
    public async Task Settling_the_same_event_twice_counts_once_and_frees_the_hold()
    {
        Tier(t => t.Daily.Tokens = 1_000);
        var gate = Gate();
        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 600, 0m));
        var eventId = Guid.NewGuid();
        var day = QuotaWindow.For(_user, Model, _time.GetUtcNow())[0];
        await gate.SetUsedAsync(day, 0, 0m, onlyIfMissing: true);

        var first = await gate.SettleAsync(_user, reserved.ReservationId, eventId, Model, 300, 0.5m, _time.GetUtcNow());
        var second = await gate.SettleAsync(_user, reserved.ReservationId, eventId, Model, 300, 0.5m, _time.GetUtcNow());

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal(0, (await gate.HeldAsync(day)).Tokens);
        Assert.Equal(300, (long)await _connection.GetDatabase().HashGetAsync(day.Key, "t"));
        Assert.Equal(500_000, (long)await _connection.GetDatabase().HashGetAsync(day.Key, "c"));
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 700, 0m));
    }

    [Fact]
    public async Task Counters_lost_by_redis_are_reported_missing_on_settle_and_rebuilt_without_overwriting_kept_ones()
    {
        Tier(t => t.Daily.Tokens = 1_000);
        var gate = Gate();
        var windows = QuotaWindow.For(_user, Model, _time.GetUtcNow());
        await gate.SetUsedAsync(windows[1], 900, 1m, onlyIfMissing: true);
        await Settle(gate, 10, 0.1m);
        await _connection.GetDatabase().KeyDeleteAsync([.. windows.Select(w => (RedisKey)w.Key)]);

        var missing = await gate.SettleAsync(_user, null, Guid.NewGuid(), Model, 10, 0.1m, _time.GetUtcNow());
        Assert.Equal(windows.Select(w => w.Key), missing!.Select(w => w.Key));
        // The ledger says 990 today (it holds the answer just settled): the counters become the ledger's.
        foreach (var w in missing!)
        {
            await gate.SetUsedAsync(w, 990, 2m, onlyIfMissing: false);
        }
        await gate.SetUsedAsync(windows[0], 5, 0m, onlyIfMissing: true);

        Assert.Equal(990, (long)await _connection.GetDatabase().HashGetAsync(windows[0].Key, "t"));
        Assert.Equal("daily-tokens", Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 11, 0m)).Quota.Quota);
        Assert.True(await _connection.GetDatabase().KeyTimeToLiveAsync(windows[0].Key) > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_models_requests_per_minute_slide()
    {
        Tier(t => t.Models[Model] = new ModelQuotaOptions { RequestsPerMinute = 2 });
        var gate = Gate();
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 1, 0m));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 1, 0m));

        var refused = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 1, 0m));
        Assert.Equal("model-requests", refused.Quota.Quota);
        Assert.Equal(30, refused.Quota.RetryAfterSeconds(_time.GetUtcNow()));
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", "other", 1, 0m));

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 1, 0m));
    }

    [Fact]
    public async Task A_released_reservation_frees_its_hold_once()
    {
        Tier(t => t.Daily.Tokens = 100);
        var gate = Gate();
        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 80, 0m));
        var other = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 20, 0m));

        await gate.ReleaseAsync(_user, reserved.ReservationId);
        await gate.ReleaseAsync(_user, reserved.ReservationId);

        Assert.Equal(20, (await gate.HeldAsync(QuotaWindow.For(_user, Model, _time.GetUtcNow())[0])).Tokens);
        Assert.NotNull(other.ReservationId);
        Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 81, 0m));
    }

    [Fact]
    public async Task A_raised_hold_holds_the_new_worst_case_in_every_window_until_released()
    {
        Tier(t => { t.Daily.Tokens = 1_000; t.Monthly.CostUsd = 10m; });
        var gate = Gate();
        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 300, 0.5m));
        var (day, month) = (QuotaWindow.For(_user, Model, _time.GetUtcNow())[0], QuotaWindow.For(_user, Model, _time.GetUtcNow())[1]);

        await gate.RaiseAsync(_user, reserved.ReservationId, 700, 1.25m);
        // Never lowered: a smaller figure leaves it as it is.
        await gate.RaiseAsync(_user, reserved.ReservationId, 100, 0.1m);

        Assert.Equal((700, 1.25m), await gate.HeldAsync(day));
        Assert.Equal((700, 1.25m), await gate.HeldAsync(month));
        // The rest of the day's 1,000 tokens is what others see.
        Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(_user, "test", Model, 301, 0m));
        await gate.ReleaseAsync(_user, reserved.ReservationId);
        Assert.Equal((0, 0m), await gate.HeldAsync(day));
        Assert.Equal((0, 0m), await gate.HeldAsync(month));
        Assert.Equal(0, (long)await _connection.GetDatabase().HashGetAsync(day.Key, "ht"));
        Assert.Equal(0, (long)await _connection.GetDatabase().HashGetAsync(month.Key, "hc"));
    }

    [Fact]
    public async Task Raising_a_released_hold_holds_nothing()
    {
        Tier(t => t.Daily.Tokens = 1_000);
        var gate = Gate();
        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 300, 0m));
        await gate.ReleaseAsync(_user, reserved.ReservationId);

        await gate.RaiseAsync(_user, reserved.ReservationId, 700, 0m);

        Assert.Equal(0, (await gate.HeldAsync(QuotaWindow.For(_user, Model, _time.GetUtcNow())[0])).Tokens);
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(_user, "test", Model, 1_000, 0m));
    }

    [Fact]
    public async Task Redis_unreachable_lets_the_request_through_unchecked()
    {
        Tier(t => t.Daily.Tokens = 0);
        using var dead = RedisConnection.Connect($"127.0.0.1:{ChatPlatform.Testing.Servers.FreePort.Next()}");
        var gate = new QuotaGate(new RedisBreaker(dead, _time), new FixedOptions(_options), _time, NullLogger<QuotaGate>.Instance);

        var result = await gate.ReserveAsync(_user, "test", Model, 10, 1m);

        Assert.Null(Assert.IsType<ReserveResult.Reserved>(result).ReservationId);
    }

    private async Task Settle(QuotaGate gate, long tokens, decimal cost, string model = Model, string? reservationId = null)
    {
        var missing = await gate.SettleAsync(_user, reservationId, Guid.NewGuid(), model, tokens, cost, _time.GetUtcNow());
        foreach (var w in missing!)
        {
            // A fresh window: the ledger holds only this answer.
            await gate.SetUsedAsync(w, tokens, cost, onlyIfMissing: false);
        }
    }

    private sealed class FixedOptions(QuotaOptions value) : IOptionsMonitor<QuotaOptions>
    {
        public QuotaOptions CurrentValue => value;

        public QuotaOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<QuotaOptions, string?> listener) => null;
    }
}
