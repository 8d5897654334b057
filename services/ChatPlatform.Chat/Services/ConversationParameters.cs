using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// A conversation's sampling parameters: checked against its model's limits in the catalog when they are set, and
/// applied to every turn. The model can change after they were set, so a turn fits them to the model it runs on: a
/// longer limit than the model's is cut to it, a temperature is dropped for a model that takes none.
/// </summary>
public static class ConversationParameters
{
    public const double MinTemperature = 0;
    public const double MaxTemperature = 2;

    /// <summary>The parameters set by <paramref name="request"/>, against <paramref name="model"/> (null: the router does not list it).</summary>
    public static Dictionary<string, string[]> Validate(UpdateConversationRequest request, string modelId, RouterModel? model)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (model is null)
        {
            var field = request.Temperature is not null ? "temperature" : "maxOutputTokens";
            errors[field] = [$"The model '{modelId}' is not offered, so its limits are not known; choose another model first."];
            return errors;
        }
        if (request.Temperature is { } temperature)
        {
            if (!model.AllowsTemperature)
            {
                errors["temperature"] = [$"The model '{model.Id}' takes no temperature."];
            }
            else if (!(temperature is >= MinTemperature and <= MaxTemperature))
            {
                errors["temperature"] = [$"The temperature is from {MinTemperature} to {MaxTemperature}."];
            }
        }
        if (request.MaxOutputTokens is { } maxOutputTokens && (maxOutputTokens < 1 || maxOutputTokens > ContextBuilder.MaxOutputTokens(model)))
        {
            errors["maxOutputTokens"] = [$"The longest answer of '{model.Id}' is from 1 to {ContextBuilder.MaxOutputTokens(model)} tokens."];
        }
        return errors;
    }

    /// <summary>What a turn asks for: the conversation's limit within the model's, or the model's.</summary>
    public static int MaxOutputTokens(Conversation conversation, RouterModel model) => MaxOutputTokens(conversation.MaxOutputTokens, model);

    /// <inheritdoc cref="MaxOutputTokens(Conversation, RouterModel)"/>
    public static int MaxOutputTokens(int? limit, RouterModel model) =>
        Math.Clamp(limit ?? int.MaxValue, 1, ContextBuilder.MaxOutputTokens(model));

    /// <summary>The conversation's temperature, unless the model takes none.</summary>
    public static double? Temperature(Conversation conversation, RouterModel model) =>
        model.AllowsTemperature ? conversation.Temperature : null;
}
