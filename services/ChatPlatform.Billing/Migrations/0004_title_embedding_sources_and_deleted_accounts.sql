-- Title generation (chat) and file embeddings through the router (ingestion) are model calls too: their usage is
-- recorded with sources 'title' and 'embedding'; an embedding's entry names the file it was for.
ALTER TABLE ledger DROP CONSTRAINT ledger_source_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_source_check CHECK (source IN ('chat', 'api', 'title', 'embedding'));
ALTER TABLE ledger ADD COLUMN file_id uuid;

-- Accounts deleted (account.deleted): their entries keep the money under a random id with nothing that ties them to the
-- person. The row makes the deletion idempotent and lets an answer recorded after the deletion be anonymised too.
CREATE TABLE deleted_accounts (
    user_id    uuid        PRIMARY KEY,
    deleted_at timestamptz NOT NULL,
    entries    bigint      NOT NULL
);
