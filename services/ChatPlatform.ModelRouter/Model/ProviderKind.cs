namespace ChatPlatform.ModelRouter.Model;

public enum ProviderKind
{
    /// <summary>api.openai.com or any endpoint speaking OpenAI's API with an OpenAI key.</summary>
    OpenAI,

    /// <summary>Azure OpenAI through its v1 API (OpenAI-compatible, <c>{endpoint}/openai/v1/</c>).</summary>
    AzureOpenAI,

    /// <summary>vLLM, Ollama, llama.cpp server and any other OpenAI-compatible endpoint.</summary>
    OpenAICompatible,

    Anthropic,

    /// <summary>Deterministic, offline, clearly labelled as simulated wherever it shows.</summary>
    Simulator,
}
