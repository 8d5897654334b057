-- Matches by meaning (issue 19, docs/conversations.md "Search"): each search entry (a message or a title) gets the
-- vector of its text, filled in batches by the search embedder after the chat-search consumer wrote the row, and
-- cleared when the text changes. Kept in the same row as the filter columns, so the filters and the owner apply to
-- matches by meaning exactly as to matches by words, and deleting the row (a conversation or account deleted) deletes
-- its vector. pgvector lives in schema public (ingestion's 0002 creates it too; IF NOT EXISTS for either order).
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

ALTER TABLE search_entries
    ADD COLUMN embedding public.vector(384),
    -- The model that made the vector (ingestion's Embeddings model key): a query is compared only with vectors of its model.
    ADD COLUMN embedding_model text;

-- Kept in the row: out of line, every exact distance over a user's rows would read TOAST (as ingestion's chunks found).
ALTER TABLE search_entries ALTER COLUMN embedding SET STORAGE PLAIN;

-- Cosine distance over everyone's vectors, for the few users whose history is too large to compare exactly.
CREATE INDEX search_entries_embedding ON search_entries USING hnsw (embedding public.vector_cosine_ops);

-- The embedder's queue: the rows still without a vector, oldest first.
CREATE INDEX search_entries_unembedded ON search_entries (created_at) WHERE embedding IS NULL;
