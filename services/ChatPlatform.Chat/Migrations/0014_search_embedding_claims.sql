-- The search embedder claims the rows it embeds for a while rather than locking them for the length of the call to the
-- model: no connection sits idle in a transaction meanwhile, and the chat-search consumer never waits on the model to
-- change a row. Another instance's embedder takes other rows; a claim left by an instance that stopped lapses.
ALTER TABLE search_entries ADD COLUMN embedding_claimed_until timestamptz;
