using Bunit;
using ChatPlatform.Web.Components.Layout;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The app's name and logo: a link home in the chat's header, decoration only on the sign-in card.</summary>
public sealed class BrandTests : BunitContext
{
    [Fact]
    public void In_the_header_the_name_and_logo_link_home()
    {
        var brand = Render<Brand>();

        var link = brand.Find("a.app-brand");
        Assert.Equal("", link.GetAttribute("href"));
        Assert.Equal("ChatPlatform home", link.GetAttribute("aria-label"));
        Assert.Equal("ChatPlatform", brand.Find(".brand-name").TextContent);
        Assert.Equal("true", brand.Find("svg.brand-logo").GetAttribute("aria-hidden"));
    }

    [Fact]
    public void As_decoration_it_is_no_link_and_nothing_to_focus()
    {
        var brand = Render<Brand>(p => p.Add(b => b.Link, false).Add(b => b.Size, 40));

        Assert.Empty(brand.FindAll("a"));
        Assert.Equal("40", brand.Find("svg.brand-logo").GetAttribute("width"));
    }
}
