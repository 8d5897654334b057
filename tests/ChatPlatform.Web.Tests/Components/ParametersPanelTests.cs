using Bunit;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The parameters panel: only what the model allows, within its limits, saved as typed or back to the defaults.</summary>
public sealed class ParametersPanelTests : BunitContext
{
    private static readonly ModelInfo Chatty = new("sim-fast", "Sim Fast", 32_768, new ModelCapabilities(false, false), true, 4_096);
    private static readonly ModelInfo Reasoning = new("sim-reasoning", "Sim Reasoning", 8_000, new ModelCapabilities(false, false, Temperature: false), true, 16_000);

    private readonly List<ConversationParameterValues> _saved = [];

    private IRenderedComponent<ParametersPanel> Render(ModelInfo model, ConversationParameterValues values) =>
        Render<ParametersPanel>(p => p.Add(c => c.Model, model).Add(c => c.Values, values).Add(c => c.OnSave, v => _saved.Add(v)));

    [Fact]
    public void The_fields_show_the_conversations_values_and_the_models_limits()
    {
        var panel = Render(Chatty, new(0.3, 500));

        Assert.Equal("0.3", panel.Find("#temperature-input").GetAttribute("value"));
        Assert.Equal("2", panel.Find("#temperature-input").GetAttribute("max"));
        Assert.Equal("500", panel.Find("#max-output-input").GetAttribute("value"));
        Assert.Equal("4096", panel.Find("#max-output-input").GetAttribute("max"));
        Assert.Contains("1 to 4096 for Sim Fast", panel.Find("#max-output-hint").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_that_takes_no_temperature_shows_no_temperature_and_is_never_sent_one()
    {
        // Half the 8,000-token window is the longest answer chat asks for, below the model's own 16,000.
        var panel = Render(Reasoning, new(0.9, null));

        Assert.Empty(panel.FindAll("#temperature-input"));
        Assert.Equal("4000", panel.Find("#max-output-input").GetAttribute("max"));
        panel.Find("#max-output-input").Change("1200");
        panel.Find("button.primary").Click();

        Assert.Equal([new ConversationParameterValues(null, 1200)], _saved);
    }

    [Fact]
    public void Saving_sends_the_values_typed_and_an_empty_field_is_the_default()
    {
        var panel = Render(Chatty, new(null, 800));

        panel.Find("#temperature-input").Change("1.25");
        panel.Find("#max-output-input").Change("");
        panel.Find("button.primary").Click();

        Assert.Equal([new ConversationParameterValues(1.25, null)], _saved);
    }

    [Theory]
    [InlineData("2.5", "100", "The temperature is from 0 to 2.")]
    [InlineData("1", "4097", "The longest answer of Sim Fast is from 1 to 4096 tokens.")]
    [InlineData("1", "0", "The longest answer of Sim Fast is from 1 to 4096 tokens.")]
    public void A_value_outside_the_limits_is_said_and_not_sent(string temperature, string maxOutputTokens, string error)
    {
        var panel = Render(Chatty, new(null, null));

        panel.Find("#temperature-input").Change(temperature);
        panel.Find("#max-output-input").Change(maxOutputTokens);
        panel.Find("button.primary").Click();

        Assert.Equal(error, panel.Find("[role=alert]").TextContent);
        Assert.Empty(_saved);
    }

    [Fact]
    public void Use_defaults_clears_both()
    {
        var panel = Render(Chatty, new(0.2, 64));

        panel.FindAll("button").Single(b => b.TextContent == "Use defaults").Click();

        Assert.Equal([new ConversationParameterValues(null, null)], _saved);
    }
}
