-- An embedding model (served by POST /v1/embeddings, never by chat completions) carries the length of its vectors.
-- It writes no output tokens, so max_output_tokens may be 0 for it; chat models keep needing a positive one.
ALTER TABLE models ADD COLUMN embedding_dimensions integer CHECK (embedding_dimensions BETWEEN 1 AND 16384);
ALTER TABLE models DROP CONSTRAINT models_max_output_tokens_check;
ALTER TABLE models ADD CONSTRAINT models_max_output_tokens_check
    CHECK (max_output_tokens > 0 OR (embedding_dimensions IS NOT NULL AND max_output_tokens = 0));
