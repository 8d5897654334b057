-- The text of each file in pieces small enough to embed and to quote, with their vectors and full-text index
-- (docs/files.md). pgvector lives in schema public, where the default search_path of every connection finds its type
-- and operators; inside this migration the search_path is only "ingestion", hence the qualified names.
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

CREATE TABLE chunks (
    id         bigserial PRIMARY KEY,
    file_id    uuid NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    -- The file's owner, repeated so every search filters on it without a join: no query can reach another user's text.
    user_id    uuid NOT NULL,
    ordinal    integer NOT NULL CHECK (ordinal >= 0),
    page       integer CHECK (page >= 1),
    text       text NOT NULL,
    tokens     integer NOT NULL CHECK (tokens >= 0),
    embedding  public.vector(384) NOT NULL,
    -- 'simple': lower-cased words without stemming or stop words, the same in every language, so code identifiers
    -- (ParseHttpHeaderV2 stays one lexeme) and German, French or Polish text are found as written. Stemming and
    -- paraphrase are the vector side's job.
    tsv        tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED,
    UNIQUE (file_id, ordinal)
);

-- pgvector stores vectors out of line (EXTERNAL) once a row passes 2 kB, as a chunk's 1.5 kB vector with its text and
-- tsvector does: every exact distance then reads TOAST, 1,000 of them about 100 ms. Kept in the row, the text and
-- tsvector are compressed or moved out instead.
ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE PLAIN;

CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding public.vector_cosine_ops);
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
-- Scoping every search to a user's files, and counting within them.
CREATE INDEX chunks_by_user_file ON chunks (user_id, file_id);

-- Questions are matched by their words less the stop words of the languages PostgreSQL ships lists for: 'simple'
-- keeps "what", "is" and "der", which would match nearly every chunk. Each dictionary drops its language's stop words
-- and passes other words on (ACCEPT = false); the last one, 'simple', keeps them. Only questions are parsed this way:
-- chunks keep every word, so a quoted phrase and a stop word in an identifier are still found.
CREATE TEXT SEARCH DICTIONARY english_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY german_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = german, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY french_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = french, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY spanish_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = spanish, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY italian_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = italian, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY dutch_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = dutch, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY portuguese_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = portuguese, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION question_words (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION question_words
    ALTER MAPPING FOR asciiword, word, asciihword, hword, hword_asciipart, hword_part
    WITH english_stop, german_stop, french_stop, spanish_stop, italian_stop, dutch_stop, portuguese_stop, pg_catalog.simple;
