using System.Text;
using System.Text.Json;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>The real ids and credentials the fuzzed requests aim at, made before the run (they differ between runs; the requests' shapes do not).</summary>
/// <param name="Victim">A throwaway account the admin routes change and <c>DELETE /v1/me</c> may delete: never the attacker, admin or bystander.</param>
public sealed record FuzzTargets(
    string UserToken, string AdminToken, string ApiKey, Guid Conversation, Guid UserMessage, Guid AssistantMessage, string AdminModel,
    Guid Victim = default, string VictimToken = "", string VictimPassword = "", string AdminApiKey = "");

/// <summary>
/// Every public route of the gateway with a valid request for each, and the ways to break one: its body (malformed and
/// hostile JSON, wrong types, NUL, invalid UTF-8, huge and deeply nested), its content type and charset, its method,
/// its ids and query, its headers. The same seed gives the same requests in the same order.
/// </summary>
public sealed class FuzzCorpus(int seed, FuzzTargets targets)
{
    private const int ConversationLimit = 1024 * 1024;
    private const int CompletionsLimit = 16 * 1024 * 1024;
    private const int AuthLimit = 64 * 1024;

    private readonly Random _random = new(seed);
    private int _hugeCompletions;

    private enum Auth
    {
        None,
        User,
        Admin,
        ApiKey,
        Victim,
        AdminApiKey,
    }

    /// <summary>A route and a valid request to it: the template the mutations start from.</summary>
    private sealed record RouteSpec(
        string Route, string Method, Func<Random, string> Target, Auth Auth, Func<Random, List<(string Name, object? Value)>>? Body,
        int BodyLimit = ConversationLimit, FuzzExpectation Expectation = FuzzExpectation.Shaped, string? Item = null)
    {
        /// <summary>For a route refused for one field's value, that field: replacing its value may make the request fine.</summary>
        public string? RefusedField { get; init; }
    }

    private static readonly string[] JunkIds =
    [
        "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%00", "%ff%fe", "not-a-uuid", "00000000-0000-0000-0000-000000000000",
        "'%20OR%201=1--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%EF%BD%86%EF%BD%95%EF%BD%9A%EF%BD%9A", "%E2%80%AE", ";", "a%2Fb", "~",
        "-1", "99999999999999999999999999", new string('a', 4000), "%C0%AF", "%ED%A0%80", "{id}", "null", "%20", "\u00ff\u00fe", "CON",
        "ffffffff-ffff-ffff-ffff-ffffffffffff", "12345678-1234-1234-1234-1234567890ab", "%7B%22a%22%3A1%7D", "a.b", "sim-fast%00",
    ];

    private static readonly string[] JunkCursors =
    [
        "../../", "..%2F..%2F", "%00", "AAAA", "%2B%2F%3D", "eyJ0IjoiMjAyNi0xMi0wNiJ9", "0", "-1", new string('A', 5000), "%ff",
        "2026-13-45T99:99:99Z", "null", "'%20OR%201=1--", "%7B%7D", "%5B%5D", "____", "a%20b", "%E2%80%AE",
    ];

    private static readonly string[] JunkNumbers = ["-1", "0", "1e3", "abc", "99999999999999999999", "%00", "1.5", "NaN", "", "%20"];

    private static readonly string[] ContentTypes =
    [
        "", "text/plain", "application/json; charset=klingon", "application/json; charset=utf-16", "application/json; charset=latin1",
        "application/x-www-form-urlencoded", "multipart/form-data", "application/json;;;", "application/jsonx", "*/*",
        "application/problem+json", "\u0001garbage", "application/json; charset=\"utf-8\"", "APPLICATION/JSON", "application/xml",
        "text/event-stream", "application/json; boundary=--x", "application/json; charset=",
    ];

    private static readonly string[] OddMethods = ["CONNECT", "TRACE", "PROPFIND", "MKCOL", "FOO", "OPTIONS", "HEAD", "get", "PATCH", "PUT", "DELETE", "LOCK", "SEARCH"];

    private List<RouteSpec> Routes => _routes ??= BuildRoutes();

    private List<RouteSpec>? _routes;

    public IEnumerable<FuzzRequest> Generate(int count)
    {
        for (var index = 0; index < count; index++)
        {
            yield return Next(index);
        }
    }

    private List<RouteSpec> BuildRoutes()
    {
        var c = targets.Conversation;
        var m = targets.AssistantMessage;
        var u = targets.UserMessage;
        string Id(Random r, Guid real) => r.Next(3) == 0 ? Pick(r, JunkIds) : real.ToString();
        string Msg(Random r) => r.Next(2) == 0 ? m.ToString() : r.Next(2) == 0 ? u.ToString() : Pick(r, JunkIds);
        string Text(Random r) => r.Next(4) switch { 0 => "hello", 1 => "Ünïcödé 👋 \u202e", 2 => "", _ => "a question" };
        return
        [
            new("POST /v1/auth/register", "POST", _ => "/v1/auth/register", Auth.None,
                r => [("email", $"fuzz-{r.Next():x}@example.com"), ("password", "a long enough password 123")], AuthLimit),
            new("POST /v1/auth/signin", "POST", _ => "/v1/auth/signin", Auth.None,
                r => [("email", $"nobody-{r.Next(100)}@example.com"), ("password", "wrong password here")], AuthLimit),
            new("POST /v1/auth/refresh", "POST", _ => "/v1/auth/refresh", Auth.None, r => [("refreshToken", $"junk-{r.Next()}")], AuthLimit),
            new("POST /v1/auth/signout", "POST", _ => "/v1/auth/signout", Auth.User, r => [("refreshToken", $"junk-{r.Next()}")], AuthLimit),
            new("GET /v1/me", "GET", _ => "/v1/me", Auth.User, null),
            new("POST /v1/api-keys", "POST", _ => "/v1/api-keys", Auth.User, r => [("name", Text(r))], AuthLimit),
            new("GET /v1/api-keys", "GET", _ => "/v1/api-keys", Auth.User, null),
            new("DELETE /v1/api-keys/{id}", "DELETE", r => $"/v1/api-keys/{(r.Next(2) == 0 ? Guid.NewGuid().ToString() : Pick(r, JunkIds))}", Auth.User, null),
            new("GET /v1/me/settings", "GET", _ => "/v1/me/settings", Auth.User, null),
            new("PUT /v1/me/settings", "PUT", _ => "/v1/me/settings", Auth.User,
                r => [("defaultModel", r.Next(3) == 0 ? "no-such-model" : GatewayUser.FastModel), ("theme", Pick(r, ["dark", "light", "system", "neon"])),
                    ("enterToSend", r.Next(2) == 0), ("systemPrompt", Text(r))]),
            new("PATCH /v1/me", "PATCH", _ => "/v1/me", Auth.User, r => [("displayName", Text(r))], AuthLimit),
            new("POST /v1/me/password", "POST", _ => "/v1/me/password", Auth.User,
                r => [("currentPassword", $"not the password {r.Next()}"), ("newPassword", "another long password 456")], AuthLimit),
            new("GET /v1/me/sessions", "GET", _ => "/v1/me/sessions", Auth.User, null),
            new("DELETE /v1/me/sessions/{id}", "DELETE", r => $"/v1/me/sessions/{(r.Next(2) == 0 ? Guid.NewGuid().ToString() : Pick(r, JunkIds))}", Auth.User, null),
            new("GET /v1/me/two-factor", "GET", _ => "/v1/me/two-factor", Auth.User, null),
            new("POST /v1/me/two-factor/enable", "POST", _ => "/v1/me/two-factor/enable", Auth.User, r => [("code", Pick(r, ["000000", "12345", "abcdef", ""]))], AuthLimit),
            new("POST /v1/me/two-factor/disable", "POST", _ => "/v1/me/two-factor/disable", Auth.User,
                r => [("password", $"not the password {r.Next()}"), ("code", "000000")], AuthLimit),
            new("POST /v1/auth/signin/two-factor", "POST", _ => "/v1/auth/signin/two-factor", Auth.None,
                r => [("challenge", $"junk.{r.Next():x}.challenge"), ("code", "000000")], AuthLimit),
            new("POST /v1/conversations", "POST", _ => "/v1/conversations", Auth.User,
                r => [("model", r.Next(3) == 0 ? "no-such-model" : GatewayUser.FastModel), ("systemPrompt", Text(r)), ("title", Text(r))]),
            new("GET /v1/conversations", "GET", r => r.Next(4) switch
            {
                0 => "/v1/conversations",
                1 => $"/v1/conversations?cursor={Pick(r, JunkCursors)}",
                2 => $"/v1/conversations?limit={Pick(r, JunkNumbers)}",
                _ => $"/v1/conversations?cursor={Pick(r, JunkCursors)}&limit={Pick(r, JunkNumbers)}&cursor=x",
            }, Auth.User, null),
            new("GET /v1/conversations/{id}", "GET", r => $"/v1/conversations/{Id(r, c)}", Auth.User, null),
            new("PATCH /v1/conversations/{id}", "PATCH", r => $"/v1/conversations/{Id(r, c)}", Auth.User,
                r => [("title", Text(r)), ("systemPrompt", Text(r)), ("model", GatewayUser.FastModel)]),
            new("DELETE /v1/conversations/{id}", "DELETE", r => $"/v1/conversations/{(r.Next(2) == 0 ? Guid.NewGuid().ToString() : Pick(r, JunkIds))}", Auth.User, null),
            new("POST /v1/conversations/{id}/messages", "POST", r => $"/v1/conversations/{Id(r, c)}/messages", Auth.User,
                r => [("content", Text(r) + " appended"), ("parentId", r.Next(2) == 0 ? null : u.ToString())]),
            new("PUT /v1/conversations/{id}/leaf", "PUT", r => $"/v1/conversations/{Id(r, c)}/leaf", Auth.User, r => [("messageId", Msg(r))]),
            new("GET /v1/conversations/{id}/messages/{mid}/path", "GET", r => $"/v1/conversations/{Id(r, c)}/messages/{Msg(r)}/path", Auth.User, null),
            new("POST /v1/conversations/{id}/turns", "POST", r => $"/v1/conversations/{Id(r, c)}/turns", Auth.User,
                r => r.Next(2) == 0 ? [("content", Text(r) + " turn")] : [("content", Text(r) + " edit"), ("parentId", null)]),
            new("POST /v1/conversations/{id}/messages/{mid}/regenerate", "POST", r => $"/v1/conversations/{Id(r, c)}/messages/{Msg(r)}/regenerate", Auth.User, null),
            new("GET /v1/conversations/{id}/messages/{mid}/events", "GET",
                r => $"/v1/conversations/{Id(r, c)}/messages/{Msg(r)}/events{(r.Next(3) == 0 ? $"?lastEventId={Pick(r, JunkNumbers)}" : "")}", Auth.User, null),
            new("POST /v1/conversations/{id}/messages/{mid}/continue", "POST", r => $"/v1/conversations/{Id(r, c)}/messages/{Msg(r)}/continue", Auth.User, null),
            new("PUT /v1/conversations/{id}/messages/{mid}/feedback", "PUT", r => $"/v1/conversations/{Id(r, c)}/messages/{Msg(r)}/feedback", Auth.User,
                r => [("rating", Pick(r, ["up", "down", "sideways"])), ("comment", Text(r))]),
            new("GET /v1/conversations/{id}/feedback", "GET", r => $"/v1/conversations/{Id(r, c)}/feedback", Auth.User, null),
            new("POST /v1/conversations/{id}/messages/{mid}/stop", "POST", r => $"/v1/conversations/{Id(r, c)}/messages/{Msg(r)}/stop", Auth.User, null),
            new("ANY /v1/conversations/**", "GET", r => $"/v1/conversations/{Id(r, c)}/{Pick(r, ["..", "x/y/z", "%2e%2e/%2e%2e/v1/admin/models", "messages", "turns/../../..", "//", "a%00b"])}", Auth.User, null),
            new("GET /v1/models", "GET", _ => "/v1/models", Auth.User, null),
            new("GET /v1/models/{id}", "GET", r => $"/v1/models/{(r.Next(3) == 0 ? GatewayUser.FastModel : Pick(r, JunkIds))}", Auth.User, null),
            new("POST /v1/chat/completions", "POST", _ => "/v1/chat/completions", Auth.ApiKey, r =>
            [
                ("model", r.Next(4) == 0 ? "no-such-model" : GatewayUser.FastModel),
                ("messages", new object[] { new Dictionary<string, object?> { ["role"] = "user", ["content"] = Text(r) + " completion" } }),
                ("stream", r.Next(2) == 0),
                ("max_tokens", 16),
            ], CompletionsLimit),
            new("GET /v1/admin/models", "GET", _ => "/v1/admin/models", Auth.Admin, null),
            new("GET /v1/admin/chat/feedback", "GET", _ => "/v1/admin/chat/feedback", Auth.Admin, null),
            new("PUT /v1/admin/models/{id}", "PUT", r => $"/v1/admin/models/fuzz-{Pick(r, JunkIds)}", Auth.Admin,
                _ => [("displayName", "Fuzz"), ("contextWindow", 8192), ("maxOutputTokens", 512), ("strategy", "priority")]),
            new("PATCH /v1/admin/models/{id}", "PATCH", r => $"/v1/admin/models/{(r.Next(2) == 0 ? targets.AdminModel : "fuzz-" + Pick(r, JunkIds))}", Auth.Admin,
                r => [("displayName", Text(r)), ("contextWindow", r.Next(2) == 0 ? 8192 : -5)]),
            new("GET /v1/admin/models/{id}", "GET", r => $"/v1/admin/models/{(r.Next(2) == 0 ? targets.AdminModel : Pick(r, JunkIds))}", Auth.Admin, null),
            new("DELETE /v1/admin/models/{id}", "DELETE", r => $"/v1/admin/models/fuzz-{Pick(r, JunkIds)}", Auth.Admin, null),
            new("GET /v1/admin/deployments", "GET", _ => "/v1/admin/deployments", Auth.Admin, null),
            new("PUT /v1/admin/deployments/{id}", "PUT", r => $"/v1/admin/deployments/fuzz-{Pick(r, JunkIds)}", Auth.Admin, r =>
            [
                ("modelId", targets.AdminModel), ("provider", r.Next(2) == 0 ? "simulator" : "openaicompatible"), ("providerModel", "fuzz"),
                ("endpoint", r.Next(2) == 0 ? null : Pick(r, ["http://127.0.0.1:9/v1", "file:///etc/passwd", "gopher://x", "http://[::1]:9", "not a uri"])),
                ("price", new Dictionary<string, object?> { ["inputPerMillion"] = 0, ["outputPerMillion"] = 0 }),
                ("priority", 1000), ("enabled", false),
            ]),
            new("GET /v1/admin/deployments/{id}", "GET", r => $"/v1/admin/deployments/{Pick(r, JunkIds)}", Auth.Admin, null),
            new("DELETE /v1/admin/deployments/{id}", "DELETE", r => $"/v1/admin/deployments/fuzz-{Pick(r, JunkIds)}", Auth.Admin, null),
            // Issue 16 item 1: a deployment may name only a provider key, never a connection string, as its key. A fresh id
            // each time: one a replaced key let through must not turn a later GET or DELETE of the same id into a 200.
            new("PUT /v1/admin/deployments/{id} (secret as key)", "PUT", r => $"/v1/admin/deployments/fuzz-leak-{r.Next()}", Auth.Admin, r =>
            [
                ("modelId", targets.AdminModel), ("provider", "openaicompatible"), ("providerModel", "fuzz"), ("endpoint", "http://127.0.0.1:9/v1"),
                ("apiKeySetting", Pick(r, ["ConnectionStrings:chatdb", "ConnectionStrings:redis", "Auth:SigningKey", "ConnectionStrings__chatdb"])),
                ("price", new Dictionary<string, object?> { ["inputPerMillion"] = 0, ["outputPerMillion"] = 0 }), ("enabled", false),
            ], ConversationLimit, FuzzExpectation.Refused, "1") { RefusedField = "apiKeySetting" },
            // Issue 16 item 4: an API key cannot manage keys.
            new("POST /v1/api-keys (with an API key)", "POST", _ => "/v1/api-keys", Auth.ApiKey, r => [("name", "minted by a key")],
                AuthLimit, FuzzExpectation.Refused, "4"),
            new("GET /v1/admin/providers/health", "GET", _ => "/v1/admin/providers/health", Auth.Admin, null),
            new("GET /v1/ws", "GET", r => r.Next(2) == 0 ? "/v1/ws" : $"/v1/ws?access_token={Pick(r, JunkIds)}", Auth.User, null),
            .. UsageAndAdminRoutes(),
        ];
    }

    private static readonly string[] JunkDays =
    [
        "2026-12-01", "2026-02-30", "0001-01-01", "9999-12-31", "-2026-01-01", "NaN", "Infinity", "1e308", "%00", "2026-1-1", "today",
        "99999999999999999999", "2026-12-01T00:00:00Z", "'%20OR%201=1--", "", "%E2%80%AE", "2026%2F12%2F01",
    ];

    private static readonly string[] JunkGroups = ["day", "model", "user", "DAY", "", "%00", "user;DROP", "key", "cost_usd", "1", "NaN"];

    /// <summary>
    /// Issue 18's routes: usage, the admin console's API, embeddings, files and the account's deletion. Admin writes aim at
    /// the throwaway victim (or at ids that are not accounts), so that no fuzzed request disables the attacker, demotes
    /// the admin or deletes the bystander; the same routes with a user's token or an API key must be refused.
    /// </summary>
    private List<RouteSpec> UsageAndAdminRoutes()
    {
        var v = targets.Victim;
        string Range(Random r) => r.Next(3) switch
        {
            0 => $"from={Pick(r, JunkDays)}&to={Pick(r, JunkDays)}",
            1 => $"from={Pick(r, JunkDays)}",
            _ => "from=2026-01-01&to=2026-12-31",
        };
        string Paging(Random r) => r.Next(2) == 0 ? "" : $"&offset={Pick(r, JunkNumbers)}&limit={Pick(r, JunkNumbers)}";
        string UserId(Random r) => r.Next(3) == 0 ? v.ToString() : Pick(r, JunkIds);
        string AdminUsage(Random r) =>
            $"/v1/admin/usage?{Range(r)}&groupBy={Pick(r, JunkGroups)}{(r.Next(2) == 0 ? $"&userId={UserId(r)}" : "")}{Paging(r)}";
        List<(string, object?)> UserChange(Random r) =>
        [
            ("disabled", r.Next(2) == 0), ("role", Pick(r, ["user", "admin", "root", "", "ADMIN"])), ("tier", Pick(r, ["free", "pro", "enterprise", ""])),
        ];
        return
        [
            new("GET /v1/usage", "GET", r => $"/v1/usage?{Range(r)}&groupBy={Pick(r, JunkGroups)}{(r.Next(4) == 0 ? $"&userId={v}" : "")}", Auth.User, null),
            new("GET /v1/admin/usage", "GET", AdminUsage, Auth.Admin, null),
            new("GET /v1/admin/usage/summary", "GET", r => $"/v1/admin/usage/summary?{Range(r)}", Auth.Admin, null),
            new("GET /v1/admin/usage/export.csv", "GET", r => $"/v1/admin/usage/export.csv?{Range(r)}", Auth.Admin, null),
            new("GET /v1/admin/usage/**", "GET", r => $"/v1/admin/usage/{Pick(r, ["x", "..", "%2e%2e/users", "summary/x", "export.csv/..", "a%00b"])}", Auth.Admin, null),
            new("GET /v1/admin/users", "GET", r => $"/v1/admin/users?q={Pick(r, JunkIds)}&role={Pick(r, ["user", "admin", "x"])}"
                + $"&tier={Pick(r, ["free", "pro", "x"])}&disabled={Pick(r, ["true", "false", "1", "NaN"])}&cursor={Pick(r, JunkCursors)}&limit={Pick(r, JunkNumbers)}",
                Auth.Admin, null),
            new("GET /v1/admin/users/{id}", "GET", r => $"/v1/admin/users/{UserId(r)}", Auth.Admin, null),
            new("PATCH /v1/admin/users/{id}", "PATCH", r => $"/v1/admin/users/{UserId(r)}", Auth.Admin, UserChange, AuthLimit),
            new("POST /v1/admin/users/{id}/revoke-sessions", "POST", r => $"/v1/admin/users/{UserId(r)}/revoke-sessions", Auth.Admin, null),
            new("ANY /v1/admin/users/**", "GET", r => $"/v1/admin/users/{UserId(r)}/{Pick(r, ["..", "x", "quotas", "%2e%2e/%2e%2e/me", "revoke-sessions/x"])}", Auth.Admin, null),
            new("GET /v1/admin/audit", "GET", r => $"/v1/admin/audit?cursor={Pick(r, JunkCursors)}&limit={Pick(r, JunkNumbers)}", Auth.Admin, null),
            new("GET /v1/admin/metrics", "GET", r => r.Next(2) == 0 ? "/v1/admin/metrics" : $"/v1/admin/metrics?window={Pick(r, JunkNumbers)}", Auth.Admin, null),
            new("GET /v1/admin/chat/stats", "GET", r => r.Next(2) == 0 ? "/v1/admin/chat/stats" : $"/v1/admin/chat/stats?minutes={Pick(r, JunkNumbers)}", Auth.Admin, null),
            new("POST /v1/embeddings", "POST", _ => "/v1/embeddings", Auth.ApiKey, r =>
            [
                ("model", r.Next(4) == 0 ? GatewayUser.FastModel : "sim-embed"),
                ("input", r.Next(2) == 0 ? "embed me" : new object[] { "one", "two" }),
                ("dimensions", r.Next(3) == 0 ? -1 : 384),
            ], CompletionsLimit),
            new("GET /v1/files", "GET", r => $"/v1/files?cursor={Pick(r, JunkCursors)}&limit={Pick(r, JunkNumbers)}", Auth.User, null),
            new("GET /v1/files/{id}", "GET", r => $"/v1/files/{(r.Next(2) == 0 ? Guid.NewGuid().ToString() : Pick(r, JunkIds))}"
                + Pick(r, ["", "/content", "/pages/1/image", "/pages/-1/image", "/pages/99999999999/image", "/../../v1/admin/users"]), Auth.User, null),
            new("DELETE /v1/files/{id}", "DELETE", r => $"/v1/files/{(r.Next(2) == 0 ? Guid.NewGuid().ToString() : Pick(r, JunkIds))}", Auth.User, null),
            new("POST /v1/files/upload-url", "POST", _ => "/v1/files/upload-url", Auth.User,
                r => [("name", Pick(r, ["a.txt", "../../etc/passwd", "=cmd|' /C calc'!A0.csv", ""])), ("size", r.Next(2) == 0 ? 10 : -1), ("mediaType", "text/plain")]),
            new("POST /v1/files/{id}/complete", "POST", r => $"/v1/files/{Guid.NewGuid()}/complete", Auth.User, null),
            new("DELETE /v1/me (throwaway account)", "DELETE", _ => "/v1/me", Auth.Victim,
                r => [("password", r.Next(4) == 0 ? targets.VictimPassword : "not the password")], AuthLimit),
            // By hand: a user on the admin console's routes, and API keys on account routes, are refused.
            new("GET /v1/admin/usage (as a user)", "GET", AdminUsage, Auth.User, null, Expectation: FuzzExpectation.Refused, Item: "18"),
            new("GET /v1/admin/usage/export.csv (as a user)", "GET", r => $"/v1/admin/usage/export.csv?{Range(r)}", Auth.User, null,
                Expectation: FuzzExpectation.Refused, Item: "18"),
            new("GET /v1/admin/users (as a user)", "GET", _ => "/v1/admin/users", Auth.User, null, Expectation: FuzzExpectation.Refused, Item: "18"),
            new("PATCH /v1/admin/users/{id} (as a user)", "PATCH", _ => $"/v1/admin/users/{v}", Auth.User, UserChange, AuthLimit,
                FuzzExpectation.Refused, "18"),
            new("POST /v1/admin/users/{id}/revoke-sessions (as a user)", "POST", _ => $"/v1/admin/users/{v}/revoke-sessions", Auth.User, null,
                Expectation: FuzzExpectation.Refused, Item: "18"),
            new("GET /v1/admin/audit (as a user)", "GET", _ => "/v1/admin/audit", Auth.User, null, Expectation: FuzzExpectation.Refused, Item: "18"),
            new("GET /v1/admin/metrics (as a user)", "GET", _ => "/v1/admin/metrics", Auth.User, null, Expectation: FuzzExpectation.Refused, Item: "18"),
            new("GET /v1/admin/chat/stats (as a user)", "GET", _ => "/v1/admin/chat/stats", Auth.User, null, Expectation: FuzzExpectation.Refused, Item: "18"),
            new("DELETE /v1/me (with an API key)", "DELETE", _ => "/v1/me", Auth.ApiKey, _ => [("password", "whatever it is")], AuthLimit,
                FuzzExpectation.Refused, "18"),
            new("PATCH /v1/admin/users/{id} (with an admin's API key)", "PATCH", _ => $"/v1/admin/users/{v}", Auth.AdminApiKey, UserChange, AuthLimit,
                FuzzExpectation.Refused, "18"),
            new("POST /v1/admin/users/{id}/revoke-sessions (with an admin's API key)", "POST", _ => $"/v1/admin/users/{v}/revoke-sessions",
                Auth.AdminApiKey, null, Expectation: FuzzExpectation.Refused, Item: "18"),
        ];
    }

    private FuzzRequest Next(int index)
    {
        var r = _random;
        var spec = Routes[r.Next(Routes.Count)];
        var method = spec.Method;
        var target = spec.Target(r);
        var auth = spec.Auth;
        var headers = new List<(string Name, string Value)>();
        var expectation = spec.Expectation;
        string? item = spec.Item;
        var mutations = new List<string>();
        byte[] body = [];
        var contentType = "application/json";

        if (spec.Body is { } template)
        {
            var fields = template(r);
            (body, var bodyMutation, var bodyItem) = MutateBody(r, fields, spec);
            mutations.Add(bodyMutation);
            item ??= bodyItem;
            // A route refused for one field's value (a secret as the key) may be fine once that value is replaced (null):
            // then only the shape of the answer is checked.
            if (expectation == FuzzExpectation.Refused && bodyMutation.StartsWith($"'{spec.RefusedField}' = ", StringComparison.Ordinal))
            {
                expectation = FuzzExpectation.Shaped;
            }
        }
        else if (r.Next(6) == 0)
        {
            body = Encoding.UTF8.GetBytes("{\"unexpected\":\"body\"}");
            mutations.Add("body where none is read");
        }

        switch (r.Next(10))
        {
            case 0 or 1:
                contentType = Pick(r, ContentTypes);
                mutations.Add($"content type '{contentType}'");
                if (contentType == "application/json; charset=klingon" && body.Length > 0)
                {
                    item ??= "6";
                }
                break;
            case 2:
                var odd = Pick(r, OddMethods);
                mutations.Add($"method {odd}");
                method = odd;
                // Another method is another route: DELETE /v1/me refused for an API key is GET /v1/me, which a key may read.
                if (expectation == FuzzExpectation.Refused)
                {
                    expectation = FuzzExpectation.Shaped;
                }
                if (odd == "CONNECT")
                {
                    item ??= "6";
                    expectation = FuzzExpectation.Refused;
                }
                break;
            case 3:
                (auth, var authMutation, var signedIn) = MutateAuth(r, headers);
                mutations.Add(authMutation);
                // A valid session in another spelling ('bearer') is a legitimate caller: a route refused for an API key
                // then accepts it, so only the shape of the answer is checked.
                if (signedIn && expectation == FuzzExpectation.Refused)
                {
                    expectation = FuzzExpectation.Shaped;
                }
                break;
            case 4:
                var (header, headerExpectation) = MutateHeaders(r, headers, ref body);
                mutations.Add(header);
                if (headerExpectation == FuzzExpectation.Protocol)
                {
                    expectation = FuzzExpectation.Protocol;
                }
                break;
        }
        if (target.StartsWith("/v1/conversations?", StringComparison.Ordinal))
        {
            item ??= "6";
        }

        switch (auth)
        {
            case Auth.User:
                headers.Insert(0, ("Authorization", "Bearer " + targets.UserToken));
                break;
            case Auth.Admin:
                headers.Insert(0, ("Authorization", "Bearer " + targets.AdminToken));
                break;
            case Auth.ApiKey:
                headers.Insert(0, ("Authorization", "Bearer " + targets.ApiKey));
                break;
            case Auth.Victim:
                headers.Insert(0, ("Authorization", "Bearer " + targets.VictimToken));
                break;
            case Auth.AdminApiKey:
                headers.Insert(0, ("Authorization", "Bearer " + targets.AdminApiKey));
                break;
        }
        if (body.Length > 0 && contentType.Length > 0 && !headers.Any(h => h.Name == "Content-Type"))
        {
            headers.Add(("Content-Type", contentType));
        }
        if (method == "CONNECT")
        {
            expectation = expectation == FuzzExpectation.Protocol ? FuzzExpectation.Protocol : FuzzExpectation.Refused;
        }
        if (mutations.Count == 0)
        {
            mutations.Add("valid");
        }
        if (BelowHttp(target, headers))
        {
            expectation = FuzzExpectation.Protocol;
        }
        return new FuzzRequest(index, spec.Route, method, target, headers, body, string.Join("; ", mutations), expectation, item);
    }

    private (byte[] Body, string Mutation, string? Item) MutateBody(Random r, List<(string Name, object? Value)> fields, RouteSpec spec)
    {
        var field = fields[r.Next(fields.Count)].Name;
        byte[] With(string name, byte[] raw) => Json(fields.Select(f => (f.Name, f.Name == name ? raw : Value(f.Value))));
        switch (r.Next(16))
        {
            case 0 or 1 or 2:
                return (Json(fields.Select(f => (f.Name, Value(f.Value)))), "valid body", null);
            case 3:
                var wrong = Pick(r, ["123", "true", "[]", "{}", "null", "1e400", "-0", "[\"a\",1,null]", "{\"$ref\":\"#\"}", "9223372036854775808", "\"\""]);
                return (With(field, Encoding.UTF8.GetBytes(wrong)), $"'{field}' = {wrong}", null);
            case 4:
                return (With(field, Encoding.UTF8.GetBytes(Pick(r, ["\"a\\u0000b\"", "\"\\u0000\"", "\"x\\u0000\\u0000\\u0000\""]))), $"NUL in '{field}'", "5");
            case 5:
                var invalid = Pick(r, new byte[][] { [0xff, 0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x28, 0xa1] });
                return (With(field, [(byte)'"', (byte)'a', .. invalid, (byte)'b', (byte)'"']), $"invalid UTF-8 in '{field}'", null);
            case 6:
                return (With(field, Encoding.UTF8.GetBytes(Pick(r, ["\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\uZZZZ\"", "\"\\x41\""]))), $"bad escape in '{field}'", null);
            case 7:
                var size = spec.BodyLimit == CompletionsLimit && _hugeCompletions++ >= 2 ? ConversationLimit + 1 : spec.BodyLimit + 1;
                return (With(field, Encoding.UTF8.GetBytes("\"" + new string('x', size) + "\"")), $"'{field}' of {size:N0} characters (over the body limit)", null);
            case 8:
                var depth = Pick(r, [65, 1_000, 100_000]);
                return (With(field, Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))), $"'{field}' nested {depth} deep", null);
            case 9:
                var whole = Json(fields.Select(f => (f.Name, Value(f.Value))));
                var cut = r.Next(1, Math.Max(2, whole.Length - 1));
                return (whole[..cut], $"cut after {cut} bytes", null);
            case 10:
                return ([.. Json(fields.Select(f => (f.Name, Value(f.Value)))), .. Encoding.UTF8.GetBytes(Pick(r, ["{}", "garbage", "\u0000", ",", "]"]))], "trailing data", null);
            case 11:
                var other = Pick(r, ["", "null", "[]", "\"string\"", "1", "<xml/>", "{", "}", "\u0000\u0000", "[[[]]]", "{\"a\":}", "true"]);
                return (Encoding.UTF8.GetBytes(other), $"body '{other}'", null);
            case 12:
                var pairs = fields.Select(f => (f.Name, Value(f.Value))).ToList();
                pairs.Add((field, Encoding.UTF8.GetBytes("12")));
                pairs.Add((field.ToUpperInvariant(), Encoding.UTF8.GetBytes("\"upper\"")));
                pairs.Add(("__proto__", Encoding.UTF8.GetBytes("{\"admin\":true}")));
                pairs.Add(("role", Encoding.UTF8.GetBytes("\"admin\"")));
                return (Json(pairs), "duplicate, case-variant and unknown keys", null);
            case 13:
                return ([0xef, 0xbb, 0xbf, .. Json(fields.Select(f => (f.Name, Value(f.Value))))], "byte-order mark first", null);
            case 14:
                var text = Encoding.UTF8.GetString(Json(fields.Select(f => (f.Name, Value(f.Value)))));
                return (Encoding.UTF8.GetBytes("/* c */" + text.Insert(text.Length - 1, ",")), "comment and trailing comma", null);
            default:
                var random = new byte[r.Next(1, 2048)];
                r.NextBytes(random);
                return (random, $"{random.Length} random bytes", null);
        }
    }

    private (Auth Auth, string Mutation, bool SignedIn) MutateAuth(Random r, List<(string Name, string Value)> headers)
    {
        var lowerCaseScheme = "bearer " + targets.UserToken;
        var header = Pick(r,
        [
            "", "Bearer", "Bearer ", "Bearer junk.junk.junk", "Basic Zm9vOmJhcg==", "Bearer cp_junk", "Bearer cp_" + new string('a', 64),
            "Bearer " + new string('A', 8000), lowerCaseScheme, "Bearer " + targets.UserToken + "x",
            "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiLCJyb2xlIjoiYWRtaW4ifQ.",
            "Bearer " + targets.UserToken + ", Bearer " + targets.AdminToken, "Bearer \u00ff\u00fe",
        ]);
        if (header.Length > 0)
        {
            headers.Add(("Authorization", header));
        }
        return (Auth.None, $"Authorization '{(header.Length > 80 ? header[..80] + "…" : header)}'", header == lowerCaseScheme);
    }

    private (string Mutation, FuzzExpectation Expectation) MutateHeaders(Random r, List<(string Name, string Value)> headers, ref byte[] body)
    {
        switch (r.Next(14))
        {
            case 0:
                headers.Add(("X-User-Id", Guid.NewGuid().ToString()));
                return ("forged X-User-Id", FuzzExpectation.Shaped);
            case 1:
                var accept = Pick(r, ["text/html", "application/xml", "*/*", "application/json;q=0", "\u0001"]);
                headers.Add(("Accept", accept));
                return ($"Accept '{accept}'", FuzzExpectation.Protocol);
            case 2:
                headers.Add(("X-Forwarded-For", Pick(r, ["1.2.3.4", "junk", "::1, 10.0.0.1, evil", "' OR 1=1"])));
                return ("X-Forwarded-For", FuzzExpectation.Shaped);
            case 3:
                var last = Pick(r, ["-1", "abc", "99999999999999999999", "1e3", "", "0x10", "\u0000"]);
                headers.Add(("Last-Event-ID", last));
                return ($"Last-Event-ID '{last}'", FuzzExpectation.Shaped);
            case 4:
                headers.Add(("Transfer-Encoding", "chunked"));
                body = Chunked(body);
                return ("chunked body", FuzzExpectation.Shaped);
            case 5:
                headers.Add(("Transfer-Encoding", "chunked"));
                body = [.. Encoding.ASCII.GetBytes("zz\r\n"), .. body, .. Encoding.ASCII.GetBytes("\r\n0\r\n\r\n")];
                return ("broken chunking", FuzzExpectation.Protocol);
            case 6:
                headers.Add(("Transfer-Encoding", "chunked"));
                headers.Add(("Content-Length", "5"));
                body = Chunked(body);
                return ("Content-Length and chunked", FuzzExpectation.Protocol);
            case 7:
                headers.Add(("Content-Encoding", Pick(r, ["gzip", "br", "deflate", "junk"])));
                return ("Content-Encoding on a plain body", FuzzExpectation.Shaped);
            case 8:
                headers.Add(("Expect", "100-continue"));
                return ("Expect: 100-continue", FuzzExpectation.Shaped);
            case 9:
                headers.Add(("X-Junk", new string('x', 40_000)));
                return ("a 40 KB header", FuzzExpectation.Protocol);
            case 10:
                for (var i = 0; i < 120; i++)
                {
                    headers.Add(($"X-Many-{i}", "v"));
                }
                return ("120 headers", FuzzExpectation.Protocol);
            case 11:
                headers.Add(("X-Bad", "a\u00ff\u0001b"));
                return ("control and Latin-1 bytes in a header", FuzzExpectation.Protocol);
            case 12:
                headers.Add(("Range", "bytes=junk"));
                headers.Add(("If-None-Match", "\"\u00ff\""));
                return ("Range and If-None-Match junk", FuzzExpectation.Protocol);
            default:
                headers.Add(("Upgrade", "websocket"));
                headers.Add(("Connection", "Upgrade"));
                headers.Add(("Sec-WebSocket-Version", Pick(r, ["13", "8", "junk"])));
                headers.Add(("Sec-WebSocket-Key", Pick(r, ["", "junk", "dGhlIHNhbXBsZSBub25jZQ=="])));
                return ("WebSocket upgrade headers", FuzzExpectation.Protocol);
        }
    }

    /// <summary>
    /// Whether the server may refuse the request before any endpoint runs, with a bare 400 or 431: a NUL or a byte
    /// outside ASCII in the target or a header, or more headers than it reads.
    /// </summary>
    private static bool BelowHttp(string target, List<(string Name, string Value)> headers) =>
        // Kestrel refuses a request line over 8 KB (414, no body) before any middleware runs: the longest method and
        // " HTTP/1.1" CRLF take under 32 bytes of it.
        target.Length + 32 > 8 * 1024
        || target.Contains("%00", StringComparison.Ordinal)
        || target.Any(ch => ch is <= ' ' or > '~')
        || headers.Any(h => h.Value.Any(ch => ch is (< ' ' and not '\t') or > '~'))
        || headers.Count > 100;

    private static byte[] Chunked(byte[] body) =>
        body.Length == 0
            ? Encoding.ASCII.GetBytes("0\r\n\r\n")
            : [.. Encoding.ASCII.GetBytes($"{body.Length:x}\r\n"), .. body, .. Encoding.ASCII.GetBytes("\r\n0\r\n\r\n")];

    private static byte[] Value(object? value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static byte[] Json(IEnumerable<(string Name, byte[] Raw)> fields)
    {
        using var json = new MemoryStream();
        json.WriteByte((byte)'{');
        var first = true;
        foreach (var (name, raw) in fields)
        {
            if (!first)
            {
                json.WriteByte((byte)',');
            }
            first = false;
            json.Write(JsonSerializer.SerializeToUtf8Bytes(name));
            json.WriteByte((byte)':');
            json.Write(raw);
        }
        json.WriteByte((byte)'}');
        return json.ToArray();
    }

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];
}
