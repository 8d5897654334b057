-- Full-text search (issue 19, docs/conversations.md "Search"): one row per message and one per conversation title, fed off
-- the hot path by the chat-search consumer, with the filter columns the list uses so that a search never joins the
-- conversations or messages per hit. Led by user_id like every chat table.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
-- A GIN index led by user_id: one user's matches come from intersecting posting lists, not from every user's matches.
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;

-- Words as written in any language: lower-cased and without accents ("Café" finds "cafe", "Straße" "strasse"), no
-- stop words and no stemming, so German, French, Spanish or code are found by the word itself.
CREATE TEXT SEARCH CONFIGURATION search_words (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION search_words
    ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart
    WITH public.unaccent, pg_catalog.simple;

-- Code identifiers cut into their words: services.AddHttpClient -> services AddHttpClient, and HttpClientFactory ->
-- Http Client Factory, HTTPClient -> HTTP Client. The identifiers themselves stay in the document as written.
CREATE FUNCTION search_identifier_words(body text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN regexp_replace(body, '[._/:$#@-]+', ' ', 'g') || ' ' ||
        regexp_replace(
            regexp_replace(
                regexp_replace(body, '[._/:$#@-]+', ' ', 'g'),
                '([[:lower:][:digit:]])([[:upper:]])', '\1 \2', 'g'),
            '([[:upper:]]+)([[:upper:]][[:lower:]])', '\1 \2', 'g');

-- The document: words as written, the identifiers' words, and English stems ("running" finds "runs"), in one vector.
CREATE FUNCTION search_document(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN to_tsvector('chat.search_words'::regconfig, body)
        || to_tsvector('chat.search_words'::regconfig, chat.search_identifier_words(body))
        || to_tsvector('pg_catalog.english'::regconfig, body);

-- websearch_to_tsquery syntax (quotes, OR, -word) read both ways: a document matches the words as written or their stems.
CREATE FUNCTION search_query(q text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN websearch_to_tsquery('chat.search_words'::regconfig, q) || websearch_to_tsquery('pg_catalog.english'::regconfig, q);

CREATE TABLE search_entries (
    user_id         uuid        NOT NULL,
    -- The message's id, or the conversation's for its title.
    id              uuid        NOT NULL,
    conversation_id uuid        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('title', 'user', 'assistant', 'system')),
    -- The text indexed: a message's first 32,000 characters (a tsvector holds at most 1 MB), or the title.
    body            text        NOT NULL,
    model           text        NOT NULL,
    folder_id       uuid,
    tags            text[]      NOT NULL DEFAULT '{}',
    archived        boolean     NOT NULL,
    -- The message's creation; the conversation's for its title.
    created_at      timestamptz NOT NULL,
    -- Titles weigh A, messages D: ts_rank_cd counts a title hit ten times a message hit.
    document        tsvector    GENERATED ALWAYS AS (
                        setweight(chat.search_document(body), CASE WHEN role = 'title' THEN 'A' ELSE 'D' END::"char")) STORED,
    PRIMARY KEY (user_id, id)
);

CREATE INDEX search_entries_document ON search_entries USING gin (user_id, document);
-- A conversation's rows, for the consumer: refiled, retagged, archived or deleted together.
CREATE INDEX search_entries_by_conversation ON search_entries (user_id, conversation_id);
