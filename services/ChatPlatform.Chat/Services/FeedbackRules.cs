using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>What a verdict on an answer may hold, checked before anything is written.</summary>
public static class FeedbackRules
{
    public const int MaxCommentLength = 2000;
    public const int DefaultAdminLimit = 50;
    public const int MaxAdminLimit = 200;

    /// <summary>+1 or -1 and the trimmed comment (null when empty), or the reasons in <paramref name="errors"/>.</summary>
    public static (short Rating, string? Comment)? Validate(FeedbackRequest request, Dictionary<string, string[]> errors)
    {
        short? rating = request.Rating switch
        {
            "up" => 1,
            "down" => -1,
            _ => null,
        };
        if (rating is null)
        {
            errors["rating"] = ["The rating is \"up\" or \"down\"."];
        }
        var comment = request.Comment?.Trim();
        if (comment is { Length: > MaxCommentLength })
        {
            errors["comment"] = [$"The comment is at most {MaxCommentLength} characters."];
        }
        else if (comment is not null && comment.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors["comment"] = ["The comment contains a control character."];
        }
        return errors.Count > 0 ? null : (rating!.Value, string.IsNullOrEmpty(comment) ? null : comment);
    }

    public static string RatingName(short rating) => rating > 0 ? "up" : "down";
}
