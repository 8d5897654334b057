-- What made each chunk's vector (Embeddings: local MiniLM, or a model router model and its dimensions). Retrieval
-- compares a question's vector only with chunks of the same model: vectors of two models share no space. Every chunk
-- stored before this column was MiniLM's.
ALTER TABLE chunks ADD COLUMN embedding_model text NOT NULL DEFAULT 'all-MiniLM-L6-v2';
