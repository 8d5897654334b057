using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// <c>response_format</c>: text, JSON mode (<c>json_object</c>) or structured output (<c>json_schema</c> with a name, a
/// schema and <c>strict</c>), as Microsoft.Extensions.AI's <see cref="ChatResponseFormat"/>; <c>strict</c> rides in
/// <see cref="ChatOptions.AdditionalProperties"/> under <see cref="StrictJsonSchemaProperty"/>.
/// </summary>
public static partial class ChatCompletionRequestReader
{
    public const string StrictJsonSchemaProperty = "strict_json_schema";

    private static ChatResponseFormat? ReadResponseFormat(JsonElement root, ChatOptions options)
    {
        if (!root.TryGetProperty("response_format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (format.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'response_format' must be an object with a 'type'.", "response_format");
        }
        switch (RequiredString(format, "type", "response_format.type"))
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("'response_format.json_schema' must be an object with a 'name' and a 'schema'.", "response_format.json_schema");
                }
                var name = ReadFunctionName(jsonSchema, "response_format.json_schema.name");
                var description = jsonSchema.TryGetProperty("description", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
                if (!jsonSchema.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("'response_format.json_schema.schema' must be a JSON schema object.", "response_format.json_schema.schema");
                }
                if (OptionalBool(jsonSchema, "strict", "response_format.json_schema.strict") is { } strict)
                {
                    (options.AdditionalProperties ??= [])[StrictJsonSchemaProperty] = strict;
                }
                // Cloned: the request's document is released once it has been read.
                return ChatResponseFormat.ForJsonSchema(schema.Clone(), name, description);
            case var other:
                throw Invalid($"'{other}' is not a valid 'response_format.type': use text, json_object or json_schema.", "response_format.type");
        }
    }
}
