using System.Text.Json.Nodes;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The sidebar's conversations (paged, most recently active first, in the chosen view) with their folders and tags,
/// and what the sidebar changes on them: rename, delete, organise (docs/conversations.md). A failure is kept in
/// <see cref="Error"/> for the sidebar to show.
/// </summary>
/// <param name="signedOut">Told of every failure, so an expired session signs the person out.</param>
public sealed class ConversationList(GatewayClient gateway, Action<GatewayException> signedOut)
{
    private int _generation;

    public List<Conversation> Items { get; private set; } = [];

    public IReadOnlyList<Folder> Folders { get; private set; } = [];

    public IReadOnlyList<TagCount> Tags { get; private set; } = [];

    public SidebarView View { get; private set; } = SidebarView.All;

    public string? NextCursor { get; private set; }

    public string? Error { get; private set; }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Loads overlap (after a turn, after organising, on a change of view): only the latest started may
            // replace the list, or an older answer would drop a chat created or moved since.
            var generation = ++_generation;
            var loading = gateway.ListConversationsAsync(null, cancellationToken, View);
            var folders = gateway.ListFoldersAsync(cancellationToken);
            var tags = gateway.ListTagsAsync(cancellationToken);
            var page = await loading;
            var (folderList, tagList) = (await folders, await tags);
            if (generation != _generation)
            {
                return;
            }
            (Folders, Tags) = (folderList, tagList);
            Items = [.. page.Items];
            NextCursor = page.NextCursor;
            Error = null;
        }
        catch (GatewayException e)
        {
            Failed(e);
        }
    }

    public async Task LoadMoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            var page = await gateway.ListConversationsAsync(NextCursor, cancellationToken, View);
            Items.AddRange(page.Items.Where(c => Items.All(known => known.Id != c.Id)));
            NextCursor = page.NextCursor;
        }
        catch (GatewayException e)
        {
            Failed(e);
        }
    }

    public Task ChangeViewAsync(SidebarView view, CancellationToken cancellationToken)
    {
        View = view;
        return LoadAsync(cancellationToken);
    }

    /// <summary>A conversation just created, shown first before the list is read again.</summary>
    public void Prepend(Conversation conversation) => Items.Insert(0, conversation);

    public void Replace(Conversation conversation)
    {
        var index = Items.FindIndex(c => c.Id == conversation.Id);
        if (index >= 0)
        {
            Items[index] = conversation;
        }
    }

    /// <summary>The renamed conversation, or null when the rename failed.</summary>
    public async Task<Conversation?> RenameAsync(Conversation conversation, string title, CancellationToken cancellationToken)
    {
        try
        {
            var updated = await gateway.UpdateConversationAsync(conversation.Id, new UpdateConversationRequest(Title: title), cancellationToken);
            Replace(updated);
            return updated;
        }
        catch (GatewayException e)
        {
            Failed(e);
            return null;
        }
    }

    /// <summary>Whether it was deleted.</summary>
    public async Task<bool> DeleteAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        try
        {
            await gateway.DeleteConversationAsync(conversation.Id, cancellationToken);
            Items.RemoveAll(c => c.Id == conversation.Id);
            return true;
        }
        catch (GatewayException e)
        {
            Failed(e);
            return false;
        }
    }

    public Task CreateFolderAsync(string name, CancellationToken cancellationToken) =>
        OrganiseThenReloadAsync(() => gateway.CreateFolderAsync(name, cancellationToken), cancellationToken);

    public Task RenameFolderAsync(Folder folder, string name, CancellationToken cancellationToken) =>
        OrganiseThenReloadAsync(() => gateway.RenameFolderAsync(folder.Id, name, cancellationToken), cancellationToken);

    public Task DeleteFolderAsync(Folder folder, CancellationToken cancellationToken) => OrganiseThenReloadAsync(async () =>
    {
        await gateway.DeleteFolderAsync(folder.Id, cancellationToken);
        if (View.FolderId == folder.Id)
        {
            View = SidebarView.All;
        }
    }, cancellationToken);

    /// <summary>The organised conversation, or null when the change failed.</summary>
    public async Task<Conversation?> OrganiseAsync(Conversation conversation, JsonObject changes, CancellationToken cancellationToken)
    {
        Conversation? updated = null;
        await OrganiseThenReloadAsync(async () => updated = await gateway.OrganiseConversationAsync(conversation.Id, changes, cancellationToken),
            cancellationToken);
        return updated;
    }

    /// <summary>Whether the action was applied.</summary>
    public async Task<bool> BulkAsync(IReadOnlyCollection<Guid> ids, string action, Guid? folderId, CancellationToken cancellationToken)
    {
        var applied = false;
        await OrganiseThenReloadAsync(async () =>
        {
            await gateway.BulkAsync(ids, action, folderId, cancellationToken);
            applied = true;
        }, cancellationToken);
        return applied;
    }

    /// <summary>
    /// The change, then the list, folders and tags read again: a star, an archive or a move changes where a chat is
    /// listed (or whether it is), which the server's order and filters decide.
    /// </summary>
    private async Task OrganiseThenReloadAsync(Func<Task> change, CancellationToken cancellationToken)
    {
        try
        {
            await change();
        }
        catch (GatewayException e)
        {
            Failed(e);
            return;
        }
        await LoadAsync(cancellationToken);
    }

    private void Failed(GatewayException e)
    {
        signedOut(e);
        Error = e.Message;
    }
}
