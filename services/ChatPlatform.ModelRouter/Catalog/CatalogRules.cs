using System.Text.RegularExpressions;
using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// What a catalog entry must satisfy, wherever it comes from (admin API or configuration). Field names are the JSON
/// names of the admin API, so a 400 says exactly which field was wrong.
/// </summary>
public static partial class CatalogRules
{
    public const int MaxIdLength = 64;

    /// <summary>Where operators put the keys of deployments they add: <c>Providers:Keys:&lt;name&gt;</c> (<c>Providers__Keys__name</c>).</summary>
    public const string ProviderKeysSection = "Providers:Keys:";

    /// <summary>The documented provider variables (see the AppHost's ServiceSettings and README).</summary>
    public static readonly IReadOnlyList<string> ProviderKeyVariables =
        ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "OPENAI_COMPATIBLE_API_KEY"];

    // Cloud metadata services by name (GCP, Azure, Alibaba, Oracle); their addresses are link-local and refused as such.
    private static readonly string[] MetadataHosts = ["metadata.google.internal", "metadata", "metadata.azure.internal", "instance-data", "instance-data.ec2.internal"];

    // Known secret prefixes: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), Google (AIza), GitHub (ghp_, github_pat_), xAI, Groq.
    private static readonly string[] SecretPrefixes = ["sk-", "sk_", "AIza", "ghp_", "gho_", "github_pat_", "xai-", "gsk_", "hf_"];

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static void ValidateId(string? id, ValidationErrors errors, string field = "id")
    {
        if (!IsValidId(id))
        {
            errors.Add(field, $"Must be 1 to {MaxIdLength} characters: lower-case letters, digits, '-', '.' or '_'.");
        }
    }

    /// <summary>OpenAI's largest model returns 3,072; the column allows room beyond it.</summary>
    public const int MaxEmbeddingDimensions = 16_384;

    public static void Validate(ModelDefinition model, ValidationErrors errors)
    {
        ValidateId(model.Id, errors);
        if (string.IsNullOrWhiteSpace(model.DisplayName))
        {
            errors.Add("displayName", "Is required.");
        }
        else if (model.DisplayName.Length > 200)
        {
            errors.Add("displayName", "Must be at most 200 characters.");
        }
        if (model.ContextWindow <= 0)
        {
            errors.Add("contextWindow", "Must be greater than 0.");
        }
        if (model.Capabilities.EmbeddingDimensions is { } dimensions)
        {
            if (dimensions is < 1 or > MaxEmbeddingDimensions)
            {
                errors.Add("capabilities.embeddingDimensions", $"Must be 1 to {MaxEmbeddingDimensions}.");
            }
            if (model.MaxOutputTokens < 0)
            {
                errors.Add("maxOutputTokens", "Must be 0 or more.");
            }
            if (model.Capabilities.Vision || model.Capabilities.Tools)
            {
                errors.Add("capabilities", "An embedding model takes neither images nor tools.");
            }
        }
        else if (model.MaxOutputTokens <= 0)
        {
            errors.Add("maxOutputTokens", "Must be greater than 0.");
        }
        if (!Enum.IsDefined(model.Strategy))
        {
            errors.Add("strategy", $"Must be one of: {string.Join(", ", Enum.GetNames<RoutingStrategy>())}.");
        }
        ValidateTiers(model.Tiers, errors);
    }

    // Tier names as the gateway's rate-limit tiers are named (free, pro); a few, since each is checked per request.
    private static void ValidateTiers(IReadOnlyList<string>? tiers, ValidationErrors errors)
    {
        if (tiers is null)
        {
            return;
        }
        if (tiers.Count > MaxTiers)
        {
            errors.Add("tiers", $"At most {MaxTiers} tiers.");
        }
        else if (tiers.Any(t => t is null || !TierName().IsMatch(t)))
        {
            errors.Add("tiers", "Each tier is 1 to 32 characters of a-z, 0-9, '_' or '-'.");
        }
    }

    private const int MaxTiers = 16;

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9_-]{1,32}$")]
    private static partial System.Text.RegularExpressions.Regex TierName();

    public static void Validate(DeploymentDefinition deployment, ValidationErrors errors)
    {
        ValidateId(deployment.Id, errors);
        ValidateId(deployment.ModelId, errors, "modelId");
        if (!Enum.IsDefined(deployment.Provider))
        {
            errors.Add("provider", $"Must be one of: {string.Join(", ", Enum.GetNames<ProviderKind>())}.");
        }
        if (string.IsNullOrWhiteSpace(deployment.ProviderModel))
        {
            errors.Add("providerModel", "Is required.");
        }
        else if (deployment.ProviderModel.Length > 200)
        {
            errors.Add("providerModel", "Must be at most 200 characters.");
        }
        if (deployment.Endpoint is { } endpoint)
        {
            if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add("endpoint", "Must be an absolute http or https URI.");
            }
            else if (EndpointProblem(endpoint) is { } endpointProblem)
            {
                errors.Add("endpoint", endpointProblem);
            }
        }
        else if (deployment.Provider is ProviderKind.AzureOpenAI or ProviderKind.OpenAICompatible)
        {
            errors.Add("endpoint", $"Is required for the {deployment.Provider} provider.");
        }
        if (deployment.ApiKeySetting is { } setting && ApiKeySettingProblem(setting) is { } problem)
        {
            errors.Add("apiKeySetting", problem);
        }
        if (deployment.Priority < 0)
        {
            errors.Add("priority", "Must be 0 or more.");
        }
        if (deployment.Weight < 0)
        {
            errors.Add("weight", "Must be 0 or more.");
        }
        ValidatePrice(deployment.Price, errors);
        if (deployment.Simulator is { } simulator)
        {
            ValidateSimulator(simulator, errors);
        }
    }

    /// <summary>
    /// Why the text may not name a deployment's key, or null when it may. Only provider-key settings are allowed: the
    /// key is sent to the deployment's endpoint as a bearer, so naming any other entry (a connection string, the
    /// internal key) would hand that secret to whoever controls the endpoint. Key values are refused outright.
    /// </summary>
    public static string? ApiKeySettingProblem(string setting)
    {
        if (LooksLikeSecret(setting))
        {
            return "Must be the NAME of the configuration entry that holds the key (e.g. OPENAI_API_KEY), never the key itself.";
        }
        return IsAllowedApiKeySetting(setting)
            ? null
            : $"Must name a provider key: {ProviderKeysSection}<name> (letters, digits or '_') or one of {string.Join(", ", ProviderKeyVariables)}.";
    }

    /// <summary>Whether a deployment may take its key from <paramref name="setting"/> (checked again where keys are read).</summary>
    public static bool IsAllowedApiKeySetting(string setting) =>
        ProviderKeyVariables.Contains(setting, StringComparer.Ordinal) || ProviderKeyName().IsMatch(setting);

    /// <summary>
    /// Why a provider endpoint is refused, or null. Self-hosted models on localhost or a private network (vLLM, Ollama)
    /// are fine; link-local and cloud metadata addresses are not: they hand out the machine's own credentials.
    /// </summary>
    public static string? EndpointProblem(Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            return "Must be an absolute http or https URI.";
        }
        if (!string.IsNullOrEmpty(endpoint.UserInfo))
        {
            return "Must not carry credentials; name the key's setting in apiKeySetting.";
        }
        if (!string.IsNullOrEmpty(endpoint.Fragment) || endpoint.OriginalString.Contains('#', StringComparison.Ordinal))
        {
            return "Must not have a fragment ('#...').";
        }
        var host = endpoint.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (MetadataHosts.Contains(host, StringComparer.Ordinal)
            || (System.Net.IPAddress.TryParse(endpoint.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address)
                && IsLinkLocal(address)))
        {
            return "Must not be a link-local or cloud metadata address.";
        }
        return null;
    }

    private static bool IsLinkLocal(System.Net.IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? address.GetAddressBytes() is [169, 254, ..]
            // fe80::/10, and AWS's IPv6 metadata address fd00:ec2::254.
            : address.IsIPv6LinkLocal || address.Equals(System.Net.IPAddress.Parse("fd00:ec2::254"));
    }

    private static bool LooksLikeSecret(string text)
    {
        if (SecretPrefixes.Any(prefix => text.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return true;
        }
        // Setting names are words joined by '_' or ':'; a long run of mixed letters and digits is a token.
        return text.Length >= 24 && !text.Contains('_', StringComparison.Ordinal) && !text.Contains(':', StringComparison.Ordinal)
               && text.Any(char.IsDigit) && text.Any(char.IsLetter);
    }

    private static void ValidatePrice(Pricing price, ValidationErrors errors)
    {
        if (price.InputPerMillion < 0)
        {
            errors.Add("price.inputPerMillion", "Must be 0 or more.");
        }
        if (price.CachedInputPerMillion < 0)
        {
            errors.Add("price.cachedInputPerMillion", "Must be 0 or more.");
        }
        if (price.OutputPerMillion < 0)
        {
            errors.Add("price.outputPerMillion", "Must be 0 or more.");
        }
        // numeric(18,6) in the store.
        if (price.InputPerMillion >= 1_000_000_000_000m || price.CachedInputPerMillion >= 1_000_000_000_000m
            || price.OutputPerMillion >= 1_000_000_000_000m)
        {
            errors.Add("price", "Prices must be below 1,000,000,000,000.");
        }
    }

    private static void ValidateSimulator(SimulatorSettings simulator, ValidationErrors errors)
    {
        if (simulator.TimeToFirstTokenMs < 0)
        {
            errors.Add("simulator.timeToFirstTokenMs", "Must be 0 or more.");
        }
        if (!(simulator.TokensPerSecond > 0) || double.IsInfinity(simulator.TokensPerSecond))
        {
            errors.Add("simulator.tokensPerSecond", "Must be greater than 0.");
        }
        if (simulator.AnswerTokens < 0)
        {
            errors.Add("simulator.answerTokens", "Must be 0 or more.");
        }
        if (!Enum.IsDefined(simulator.Failure))
        {
            errors.Add("simulator.failure", $"Must be one of: {string.Join(", ", Enum.GetNames<SimulatedFailure>())}.");
        }
        if (simulator.FailAfterTokens < 0)
        {
            errors.Add("simulator.failAfterTokens", "Must be 0 or more.");
        }
        if (simulator.RetryAfterSeconds < 0)
        {
            errors.Add("simulator.retryAfterSeconds", "Must be 0 or more.");
        }
    }

    [GeneratedRegex(@"^[a-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^Providers:Keys:[A-Za-z0-9_]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderKeyName();
}

/// <summary>Field errors in the shape of <c>TypedResults.ValidationProblem</c>.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    public void AddAll(ValidationErrors other)
    {
        foreach (var (field, messages) in other._errors)
        {
            foreach (var message in messages)
            {
                Add(field, message);
            }
        }
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString() => string.Join("; ", _errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}
